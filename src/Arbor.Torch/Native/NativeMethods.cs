using System.Runtime.InteropServices;

namespace Arbor.Tensors.Native;

/// <summary>
/// The shim's flat C ABI (native/include/arbor_shim.h), one declaration per export. Handles are raw
/// pointers here; ownership lives in <see cref="TensorHandle"/>. Error convention: a NULL handle or a
/// -1 status means the call failed and <see cref="arb_last_error"/> holds libtorch's message.
/// </summary>
internal static unsafe partial class NativeMethods
{
    private const string Lib = "arbor_shim";

    static NativeMethods() => NativeLibraryLoader.EnsureResolver();

    // errors, runtime, threads
    [LibraryImport(Lib)] internal static partial IntPtr arb_last_error();
    [LibraryImport(Lib)] internal static partial int arb_version(byte* buf, int cap);
    [LibraryImport(Lib)] internal static partial int arb_config(byte* buf, int cap);
    [LibraryImport(Lib)] internal static partial int arb_blas_info(byte* buf, int cap);
    [LibraryImport(Lib)] internal static partial long arb_live_tensors();
    [LibraryImport(Lib)] internal static partial int arb_set_num_threads(int n);
    [LibraryImport(Lib)] internal static partial int arb_get_num_threads();
    [LibraryImport(Lib)] internal static partial int arb_set_blas_threads(int n);
    [LibraryImport(Lib)] internal static partial int arb_get_blas_threads();
    [LibraryImport(Lib)] internal static partial int arb_ensure_signal_stack(long minBytes);
    [LibraryImport(Lib)] internal static partial int arb_cuda_is_available();
    [LibraryImport(Lib)] internal static partial int arb_cuda_device_count();
    [LibraryImport(Lib)] internal static partial int arb_cuda_synchronize(int device);
    [LibraryImport(Lib)] internal static partial int arb_manual_seed(ulong seed);
    [LibraryImport(Lib)] internal static partial int arb_set_deterministic(int on);

    // grad mode
    [LibraryImport(Lib)] internal static partial int arb_grad_enabled();
    [LibraryImport(Lib)] internal static partial int arb_set_grad_enabled(int on);
    [LibraryImport(Lib)] internal static partial IntPtr arb_inference_mode_enter();
    [LibraryImport(Lib)] internal static partial int arb_inference_mode_exit(IntPtr guard);

    // generators
    [LibraryImport(Lib)] internal static partial IntPtr arb_generator_new(ulong seed, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial void arb_generator_free(IntPtr g);
    [LibraryImport(Lib)] internal static partial int arb_generator_seed(IntPtr g, ulong seed);
    [LibraryImport(Lib)] internal static partial IntPtr arb_generator_get_state(IntPtr g);
    [LibraryImport(Lib)] internal static partial int arb_generator_set_state(IntPtr g, IntPtr state);

    // tensor lifetime and metadata
    [LibraryImport(Lib)] internal static partial void arb_tensor_free(IntPtr t);
    [LibraryImport(Lib)] internal static partial int arb_tensor_dim(IntPtr t);
    [LibraryImport(Lib)] internal static partial int arb_tensor_shape(IntPtr t, long* shape, int cap);
    [LibraryImport(Lib)] internal static partial long arb_tensor_numel(IntPtr t);
    [LibraryImport(Lib)] internal static partial int arb_tensor_dtype(IntPtr t);
    [LibraryImport(Lib)] internal static partial int arb_tensor_device(IntPtr t, int* type, int* index);
    [LibraryImport(Lib)] internal static partial int arb_tensor_requires_grad(IntPtr t);
    [LibraryImport(Lib)] internal static partial int arb_tensor_is_contiguous(IntPtr t);
    [LibraryImport(Lib)] internal static partial int arb_tensor_item(IntPtr t, double* value);
    [LibraryImport(Lib)] internal static partial int arb_tensor_copy_to_host(IntPtr t, void* dst, long nbytes);
    [LibraryImport(Lib)] internal static partial IntPtr arb_tensor_data_ptr(IntPtr t);
    [LibraryImport(Lib)] internal static partial int arb_tensor_to_string(IntPtr t, byte* buf, int cap);

    // creation
    [LibraryImport(Lib)]
    internal static partial IntPtr arb_full(long* shape, int ndim, int kind, double value, int dtype, int devType,
        int devIndex, int requiresGrad);
    [LibraryImport(Lib)]
    internal static partial IntPtr arb_arange(double start, double end, double step, int dtype, int devType, int devIndex);
    [LibraryImport(Lib)]
    internal static partial IntPtr arb_linspace(double start, double end, long steps, int dtype, int devType, int devIndex);
    [LibraryImport(Lib)]
    internal static partial IntPtr arb_random(long* shape, int ndim, int kind, IntPtr gen, int dtype, int devType, int devIndex);
    [LibraryImport(Lib)]
    internal static partial IntPtr arb_randint(long low, long high, long* shape, int ndim, IntPtr gen, int devType, int devIndex);
    [LibraryImport(Lib)]
    internal static partial IntPtr arb_from_data(void* data, long nbytes, long* shape, int ndim, int dtype, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial IntPtr arb_eye(long n, int dtype, int devType, int devIndex);
    [LibraryImport(Lib)] internal static partial IntPtr arb_like(IntPtr t, int kind, double value);
    [LibraryImport(Lib)] internal static partial IntPtr arb_randn_like_gen(IntPtr t, IntPtr gen);

    // conversion
    [LibraryImport(Lib)] internal static partial IntPtr arb_to(IntPtr t, int dtype, int devType, int devIndex, int copy);
    [LibraryImport(Lib)] internal static partial IntPtr arb_clone(IntPtr t);
    [LibraryImport(Lib)] internal static partial IntPtr arb_detach(IntPtr t);
    [LibraryImport(Lib)] internal static partial IntPtr arb_contiguous(IntPtr t);
    [LibraryImport(Lib)] internal static partial IntPtr arb_alias(IntPtr t);
    [LibraryImport(Lib)] internal static partial int arb_set_data(IntPtr t, IntPtr src);

    // elementwise
    [LibraryImport(Lib)] internal static partial IntPtr arb_unary(int op, IntPtr a);
    [LibraryImport(Lib)] internal static partial int arb_unary_(int op, IntPtr a);
    [LibraryImport(Lib)] internal static partial IntPtr arb_binary(int op, IntPtr a, IntPtr b, double alpha);
    [LibraryImport(Lib)] internal static partial IntPtr arb_binary_scalar(int op, IntPtr a, double b);
    [LibraryImport(Lib)] internal static partial IntPtr arb_scalar_binary(int op, double a, IntPtr b);
    [LibraryImport(Lib)] internal static partial int arb_binary_(int op, IntPtr a, IntPtr b, double alpha);
    [LibraryImport(Lib)] internal static partial int arb_binary_scalar_(int op, IntPtr a, double b);
    [LibraryImport(Lib)] internal static partial IntPtr arb_clamp(IntPtr a, double lo, double hi, int hasLo, int hasHi);
    [LibraryImport(Lib)] internal static partial IntPtr arb_where(IntPtr cond, IntPtr a, IntPtr b);
    [LibraryImport(Lib)] internal static partial IntPtr arb_masked_fill(IntPtr a, IntPtr mask, double value);
    [LibraryImport(Lib)] internal static partial IntPtr arb_lerp(IntPtr a, IntPtr b, double weight);
    [LibraryImport(Lib)] internal static partial int arb_lerp_(IntPtr a, IntPtr b, double weight);
    [LibraryImport(Lib)] internal static partial int arb_copy_(IntPtr dst, IntPtr src);
    [LibraryImport(Lib)] internal static partial int arb_fill_(IntPtr a, double value);
    [LibraryImport(Lib)] internal static partial IntPtr arb_gelu(IntPtr a, int tanhApprox);
    [LibraryImport(Lib)] internal static partial IntPtr arb_softmax(IntPtr a, long dim, int log);
    [LibraryImport(Lib)] internal static partial IntPtr arb_dropout(IntPtr a, double p, int train);
    [LibraryImport(Lib)] internal static partial IntPtr arb_isclose_all(IntPtr a, IntPtr b, double rtol, double atol);

    // linear algebra and nn
    [LibraryImport(Lib)] internal static partial IntPtr arb_matmul(IntPtr a, IntPtr b);
    [LibraryImport(Lib)] internal static partial IntPtr arb_bmm(IntPtr a, IntPtr b);
    [LibraryImport(Lib)] internal static partial IntPtr arb_linear(IntPtr x, IntPtr w, IntPtr b);
    [LibraryImport(Lib)]
    internal static partial IntPtr arb_conv2d(IntPtr x, IntPtr w, IntPtr b, long* stride, long* padding, long* dilation, long groups);
    [LibraryImport(Lib)]
    internal static partial IntPtr arb_conv_transpose2d(IntPtr x, IntPtr w, IntPtr b, long* stride, long* padding, long* outputPadding,
        long* dilation, long groups);
    [LibraryImport(Lib)]
    internal static partial IntPtr arb_layer_norm(IntPtr x, long* normalizedShape, int ndim, IntPtr w, IntPtr b, double eps);
    [LibraryImport(Lib)] internal static partial IntPtr arb_group_norm(IntPtr x, long groups, IntPtr w, IntPtr b, double eps);
    [LibraryImport(Lib)] internal static partial IntPtr arb_embedding(IntPtr weight, IntPtr indices);
    [LibraryImport(Lib)]
    internal static partial IntPtr arb_sdpa(IntPtr q, IntPtr k, IntPtr v, IntPtr mask, double dropoutP, int causal,
        int forceComposite, int bf16Products);
    [LibraryImport(Lib)] internal static partial int arb_sdpa_is_fused();

    // shape
    [LibraryImport(Lib)] internal static partial IntPtr arb_reshape(IntPtr a, long* shape, int ndim, int view);
    [LibraryImport(Lib)] internal static partial IntPtr arb_permute(IntPtr a, long* dims, int ndim);
    [LibraryImport(Lib)] internal static partial IntPtr arb_transpose(IntPtr a, long d0, long d1);
    [LibraryImport(Lib)] internal static partial IntPtr arb_expand(IntPtr a, long* shape, int ndim);
    [LibraryImport(Lib)] internal static partial IntPtr arb_repeat(IntPtr a, long* reps, int ndim);
    [LibraryImport(Lib)] internal static partial IntPtr arb_squeeze(IntPtr a, long dim);
    [LibraryImport(Lib)] internal static partial IntPtr arb_unsqueeze(IntPtr a, long dim);
    [LibraryImport(Lib)] internal static partial IntPtr arb_flatten(IntPtr a, long start, long end);
    [LibraryImport(Lib)] internal static partial IntPtr arb_cat(IntPtr* tensors, int n, long dim, int stack);
    [LibraryImport(Lib)] internal static partial int arb_chunk(IntPtr a, long chunks, long dim, IntPtr* output, int cap);
    [LibraryImport(Lib)] internal static partial int arb_split(IntPtr a, long size, long dim, IntPtr* output, int cap);
    [LibraryImport(Lib)] internal static partial IntPtr arb_narrow(IntPtr a, long dim, long start, long length);
    [LibraryImport(Lib)] internal static partial IntPtr arb_select(IntPtr a, long dim, long index);
    [LibraryImport(Lib)] internal static partial IntPtr arb_index_select(IntPtr a, long dim, IntPtr index);
    [LibraryImport(Lib)] internal static partial IntPtr arb_gather(IntPtr a, long dim, IntPtr index);
    [LibraryImport(Lib)] internal static partial IntPtr arb_flip(IntPtr a, long* dims, int ndim);

    // reductions
    [LibraryImport(Lib)] internal static partial IntPtr arb_reduce(int op, IntPtr a, long* dims, int ndim, int keepdim, int unbiased);

    // autograd
    [LibraryImport(Lib)] internal static partial int arb_backward(IntPtr t, IntPtr grad, int retainGraph);
    [LibraryImport(Lib)] internal static partial IntPtr arb_grad(IntPtr t);
    [LibraryImport(Lib)] internal static partial int arb_set_grad(IntPtr t, IntPtr g);
    [LibraryImport(Lib)] internal static partial int arb_set_requires_grad(IntPtr t, int on);
    [LibraryImport(Lib)] internal static partial int arb_is_leaf(IntPtr t);
    [LibraryImport(Lib)]
    internal static partial int arb_autograd_grad(IntPtr output, IntPtr* inputs, int n, IntPtr* output_grads, int createGraph);

    // optimizers
    [LibraryImport(Lib)] internal static partial IntPtr arb_optim_new(int kind, IntPtr* parameters, int n, double* hp, int nhp);
    [LibraryImport(Lib)] internal static partial void arb_optim_free(IntPtr o);
    [LibraryImport(Lib)] internal static partial int arb_optim_add_group(IntPtr o, IntPtr* parameters, int n, double* hp, int nhp);
    [LibraryImport(Lib)] internal static partial int arb_optim_step(IntPtr o);
    [LibraryImport(Lib)] internal static partial int arb_optim_zero_grad(IntPtr o, int setToNone);
    [LibraryImport(Lib)] internal static partial int arb_optim_set_lr(IntPtr o, int group, double lr);
    [LibraryImport(Lib)] internal static partial int arb_optim_get_lr(IntPtr o, int group, double* lr);
    [LibraryImport(Lib)] internal static partial int arb_optim_get_state(IntPtr o, int param, long* step, IntPtr* bufs);
    [LibraryImport(Lib)] internal static partial int arb_optim_set_state(IntPtr o, int param, long step, IntPtr* bufs, int nbufs);
    [LibraryImport(Lib)] internal static partial int arb_clip_grad_norm(IntPtr* parameters, int n, double maxNorm, double* totalNorm);

    // torch.distributed process groups
    [LibraryImport(Lib)] internal static partial int arb_pg_backends(byte* buf, int cap);
    [LibraryImport(Lib)]
    internal static partial IntPtr arb_pg_new(byte* backend, int rank, int worldSize, byte* masterAddr, int masterPort, long timeoutMs);
    [LibraryImport(Lib)] internal static partial void arb_pg_free(IntPtr pg);
    [LibraryImport(Lib)] internal static partial int arb_pg_allreduce(IntPtr pg, IntPtr t, int op);
    [LibraryImport(Lib)] internal static partial int arb_pg_broadcast(IntPtr pg, IntPtr t, int root);
    [LibraryImport(Lib)] internal static partial int arb_pg_allgather(IntPtr pg, IntPtr t, IntPtr* output, int cap);
    [LibraryImport(Lib)]
    internal static partial int arb_pg_allgather_bytes(IntPtr pg, byte* data, long nbytes, long* sizes, int cap, IntPtr* output);
    [LibraryImport(Lib)] internal static partial int arb_pg_barrier(IntPtr pg);
}
