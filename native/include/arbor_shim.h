// Arbor's flat C ABI over libtorch.
//
// Conventions (every function follows them; the C# side relies on it):
//  * A tensor handle is an owned heap `at::Tensor*`. Every function that returns a handle returns a
//    NEW handle that the caller must free with arb_tensor_free. Inputs are borrowed.
//  * No C++ exception ever crosses this boundary. Every function catches everything and records the
//    message (first line of libtorch's message, no backtrace) in a thread-local error slot:
//      - functions returning a handle return NULL on error;
//      - functions returning int32_t return 0 on success and -1 on error;
//    then arb_last_error() returns the message (and clears the slot).
//  * A few functions may legitimately return "no tensor" (e.g. a grad that was never computed). They
//    return NULL with the error slot empty; they say so below.
//  * dtype codes are c10::ScalarType values; device type codes are c10::DeviceType values (0 = CPU,
//    1 = CUDA).
#pragma once
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define ARB_API __attribute__((visibility("default")))

typedef void* arb_tensor;
typedef void* arb_generator;
typedef void* arb_optimizer;
typedef void* arb_guard;
typedef void* arb_pg;

// ---- errors, runtime, threads ------------------------------------------------------------
ARB_API const char* arb_last_error(void);  // returns and clears; NULL when no error is pending
ARB_API int32_t arb_version(char* buf, int32_t cap);           // libtorch version string
ARB_API int32_t arb_config(char* buf, int32_t cap);            // at::show_config() (truncated to cap)
ARB_API int32_t arb_blas_info(char* buf, int32_t cap);         // OpenBLAS config string if loaded
ARB_API int64_t arb_live_tensors(void);                        // handles alive right now
ARB_API int32_t arb_set_num_threads(int32_t n);
ARB_API int32_t arb_get_num_threads(void);
ARB_API int32_t arb_set_blas_threads(int32_t n);               // -1 when OpenBLAS is not loaded
ARB_API int32_t arb_get_blas_threads(void);
ARB_API int32_t arb_ensure_signal_stack(int64_t min_bytes);  // a larger alternate signal stack for this thread (AMX)
ARB_API int32_t arb_cuda_is_available(void);
ARB_API int32_t arb_cuda_device_count(void);
ARB_API int32_t arb_cuda_synchronize(int32_t device);
ARB_API int32_t arb_manual_seed(uint64_t seed);                // seeds libtorch's global generators
ARB_API int32_t arb_set_deterministic(int32_t on);

// ---- grad mode -------------------------------------------------------------------------------
ARB_API int32_t arb_grad_enabled(void);
ARB_API int32_t arb_set_grad_enabled(int32_t on);              // returns the previous mode
ARB_API arb_guard arb_inference_mode_enter(void);              // RAII guard on the heap
ARB_API int32_t arb_inference_mode_exit(arb_guard guard);

// ---- generators ----------------------------------------------------------------------------
ARB_API arb_generator arb_generator_new(uint64_t seed, int32_t device_type, int32_t device_index);
ARB_API void arb_generator_free(arb_generator g);
ARB_API int32_t arb_generator_seed(arb_generator g, uint64_t seed);
ARB_API arb_tensor arb_generator_get_state(arb_generator g);   // uint8 tensor
ARB_API int32_t arb_generator_set_state(arb_generator g, arb_tensor state);

// ---- tensor lifetime and metadata --------------------------------------------------------------
ARB_API void arb_tensor_free(arb_tensor t);
ARB_API int32_t arb_tensor_dim(arb_tensor t);
ARB_API int32_t arb_tensor_shape(arb_tensor t, int64_t* out, int32_t cap);  // returns ndim or -1
ARB_API int64_t arb_tensor_numel(arb_tensor t);
ARB_API int32_t arb_tensor_dtype(arb_tensor t);
ARB_API int32_t arb_tensor_device(arb_tensor t, int32_t* type, int32_t* index);
ARB_API int32_t arb_tensor_requires_grad(arb_tensor t);
ARB_API int32_t arb_tensor_is_contiguous(arb_tensor t);
ARB_API int32_t arb_tensor_item(arb_tensor t, double* out);
ARB_API int32_t arb_tensor_copy_to_host(arb_tensor t, void* dst, int64_t nbytes);  // any dtype, raw
ARB_API void* arb_tensor_data_ptr(arb_tensor t);              // CPU contiguous only; NULL + error else
ARB_API int32_t arb_tensor_to_string(arb_tensor t, char* buf, int32_t cap);

// ---- creation --------------------------------------------------------------------------------
// fill: 0 zeros, 1 ones, 2 empty, 3 full(value)
ARB_API arb_tensor arb_full(const int64_t* shape, int32_t ndim, int32_t kind, double value,
                            int32_t dtype, int32_t dev_type, int32_t dev_index, int32_t requires_grad);
ARB_API arb_tensor arb_arange(double start, double end, double step, int32_t dtype, int32_t dev_type, int32_t dev_index);
ARB_API arb_tensor arb_linspace(double start, double end, int64_t steps, int32_t dtype, int32_t dev_type, int32_t dev_index);
// kind: 0 randn, 1 rand; g may be NULL (global generator)
ARB_API arb_tensor arb_random(const int64_t* shape, int32_t ndim, int32_t kind, arb_generator g,
                              int32_t dtype, int32_t dev_type, int32_t dev_index);
ARB_API arb_tensor arb_randint(int64_t low, int64_t high, const int64_t* shape, int32_t ndim, arb_generator g,
                               int32_t dev_type, int32_t dev_index);
ARB_API arb_tensor arb_from_data(const void* data, int64_t nbytes, const int64_t* shape, int32_t ndim,
                                 int32_t dtype, int32_t dev_type, int32_t dev_index);
ARB_API arb_tensor arb_eye(int64_t n, int32_t dtype, int32_t dev_type, int32_t dev_index);
ARB_API arb_tensor arb_like(arb_tensor t, int32_t kind, double value);  // 0 zeros,1 ones,2 randn,3 rand,4 full
ARB_API arb_tensor arb_randn_like_gen(arb_tensor t, arb_generator g);

// ---- conversion ------------------------------------------------------------------------------
ARB_API arb_tensor arb_to(arb_tensor t, int32_t dtype, int32_t dev_type, int32_t dev_index, int32_t copy);
ARB_API arb_tensor arb_clone(arb_tensor t);
ARB_API arb_tensor arb_detach(arb_tensor t);
ARB_API arb_tensor arb_contiguous(arb_tensor t);
ARB_API arb_tensor arb_alias(arb_tensor t);                   // a second handle to the same tensor
// replaces t's data (device, dtype, storage) by src's, keeping t's autograd identity (as `p.data = x`)
ARB_API int32_t arb_set_data(arb_tensor t, arb_tensor src);

// ---- elementwise -------------------------------------------------------------------------------
// unary op codes: see ArbUnary in shim_common.h (mirrored by C# UnaryOp)
ARB_API arb_tensor arb_unary(int32_t op, arb_tensor a);
ARB_API int32_t arb_unary_(int32_t op, arb_tensor a);          // in place
// binary op codes: see ArbBinary (mirrored by C# BinaryOp). alpha scales b for add/sub.
ARB_API arb_tensor arb_binary(int32_t op, arb_tensor a, arb_tensor b, double alpha);
ARB_API arb_tensor arb_binary_scalar(int32_t op, arb_tensor a, double b);
ARB_API arb_tensor arb_scalar_binary(int32_t op, double a, arb_tensor b);   // a (op) b
ARB_API int32_t arb_binary_(int32_t op, arb_tensor a, arb_tensor b, double alpha);
ARB_API int32_t arb_binary_scalar_(int32_t op, arb_tensor a, double b);
ARB_API arb_tensor arb_clamp(arb_tensor a, double lo, double hi, int32_t has_lo, int32_t has_hi);
ARB_API arb_tensor arb_where(arb_tensor cond, arb_tensor a, arb_tensor b);
ARB_API arb_tensor arb_masked_fill(arb_tensor a, arb_tensor mask, double value);
ARB_API arb_tensor arb_lerp(arb_tensor a, arb_tensor b, double weight);
ARB_API int32_t arb_lerp_(arb_tensor a, arb_tensor b, double weight);
ARB_API int32_t arb_copy_(arb_tensor dst, arb_tensor src);
ARB_API int32_t arb_fill_(arb_tensor a, double value);
ARB_API arb_tensor arb_gelu(arb_tensor a, int32_t tanh_approx);
ARB_API arb_tensor arb_softmax(arb_tensor a, int64_t dim, int32_t log);
ARB_API arb_tensor arb_dropout(arb_tensor a, double p, int32_t train);
ARB_API arb_tensor arb_isclose_all(arb_tensor a, arb_tensor b, double rtol, double atol);

// ---- linear algebra and nn ---------------------------------------------------------------------
ARB_API arb_tensor arb_matmul(arb_tensor a, arb_tensor b);
ARB_API arb_tensor arb_bmm(arb_tensor a, arb_tensor b);
ARB_API arb_tensor arb_linear(arb_tensor x, arb_tensor w, arb_tensor b /*nullable*/);
ARB_API arb_tensor arb_conv2d(arb_tensor x, arb_tensor w, arb_tensor b, const int64_t* stride,
                              const int64_t* padding, const int64_t* dilation, int64_t groups);
ARB_API arb_tensor arb_conv_transpose2d(arb_tensor x, arb_tensor w, arb_tensor b, const int64_t* stride,
                                        const int64_t* padding, const int64_t* output_padding,
                                        const int64_t* dilation, int64_t groups);
ARB_API arb_tensor arb_layer_norm(arb_tensor x, const int64_t* normalized_shape, int32_t ndim,
                                  arb_tensor w, arb_tensor b, double eps);
ARB_API arb_tensor arb_group_norm(arb_tensor x, int64_t groups, arb_tensor w, arb_tensor b, double eps);
ARB_API arb_tensor arb_embedding(arb_tensor weight, arb_tensor indices);
// mask nullable (bool: true = attend, or float: additive); fused kernel when libtorch >= 2.0;
// bf16_products: the composite with QK^T and AV in bf16 (float32 scores and softmax)
ARB_API arb_tensor arb_sdpa(arb_tensor q, arb_tensor k, arb_tensor v, arb_tensor mask, double dropout_p,
                            int32_t causal, int32_t force_composite, int32_t bf16_products);
ARB_API int32_t arb_sdpa_is_fused(void);

// ---- shape -----------------------------------------------------------------------------------
ARB_API arb_tensor arb_reshape(arb_tensor a, const int64_t* shape, int32_t ndim, int32_t view);
ARB_API arb_tensor arb_permute(arb_tensor a, const int64_t* dims, int32_t ndim);
ARB_API arb_tensor arb_transpose(arb_tensor a, int64_t d0, int64_t d1);
ARB_API arb_tensor arb_expand(arb_tensor a, const int64_t* shape, int32_t ndim);
ARB_API arb_tensor arb_repeat(arb_tensor a, const int64_t* reps, int32_t ndim);
ARB_API arb_tensor arb_squeeze(arb_tensor a, int64_t dim);
ARB_API arb_tensor arb_unsqueeze(arb_tensor a, int64_t dim);
ARB_API arb_tensor arb_flatten(arb_tensor a, int64_t start, int64_t end);
ARB_API arb_tensor arb_cat(const arb_tensor* ts, int32_t n, int64_t dim, int32_t stack);
// writes up to cap handles to out, returns the number of pieces (or -1)
ARB_API int32_t arb_chunk(arb_tensor a, int64_t chunks, int64_t dim, arb_tensor* out, int32_t cap);
ARB_API int32_t arb_split(arb_tensor a, int64_t size, int64_t dim, arb_tensor* out, int32_t cap);
ARB_API arb_tensor arb_narrow(arb_tensor a, int64_t dim, int64_t start, int64_t length);
ARB_API arb_tensor arb_select(arb_tensor a, int64_t dim, int64_t index);
ARB_API arb_tensor arb_index_select(arb_tensor a, int64_t dim, arb_tensor index);
ARB_API arb_tensor arb_gather(arb_tensor a, int64_t dim, arb_tensor index);
ARB_API arb_tensor arb_flip(arb_tensor a, const int64_t* dims, int32_t ndim);

// ---- reductions --------------------------------------------------------------------------------
// op: 0 sum, 1 mean, 2 var, 3 std, 4 amax, 5 amin, 6 argmax, 7 argmin, 8 prod, 9 logsumexp,
//     10 any, 11 all, 12 norm2
// ndim = 0 reduces everything; unbiased applies to var/std
ARB_API arb_tensor arb_reduce(int32_t op, arb_tensor a, const int64_t* dims, int32_t ndim, int32_t keepdim,
                              int32_t unbiased);

// ---- autograd ----------------------------------------------------------------------------------
ARB_API int32_t arb_backward(arb_tensor t, arb_tensor grad /*nullable*/, int32_t retain_graph);
ARB_API arb_tensor arb_grad(arb_tensor t);                    // NULL without error when no grad
ARB_API int32_t arb_set_grad(arb_tensor t, arb_tensor g /*nullable: clears*/);
ARB_API int32_t arb_set_requires_grad(arb_tensor t, int32_t on);
ARB_API int32_t arb_is_leaf(arb_tensor t);
// gradients of outputs[0] w.r.t. inputs, without touching .grad (torch::autograd::grad)
ARB_API int32_t arb_autograd_grad(arb_tensor output, const arb_tensor* inputs, int32_t n, arb_tensor* out,
                                  int32_t create_graph);

// ---- optimizers -------------------------------------------------------------------------------
// kind: 0 SGD(lr, momentum, dampening, weight_decay, nesterov), 1 AdamW(lr, beta1, beta2, eps, wd, amsgrad)
ARB_API arb_optimizer arb_optim_new(int32_t kind, const arb_tensor* params, int32_t n, const double* hp, int32_t nhp);
ARB_API void arb_optim_free(arb_optimizer o);
ARB_API int32_t arb_optim_add_group(arb_optimizer o, const arb_tensor* params, int32_t n, const double* hp, int32_t nhp);
ARB_API int32_t arb_optim_step(arb_optimizer o);
ARB_API int32_t arb_optim_zero_grad(arb_optimizer o, int32_t set_to_none);
ARB_API int32_t arb_optim_set_lr(arb_optimizer o, int32_t group, double lr);
ARB_API int32_t arb_optim_get_lr(arb_optimizer o, int32_t group, double* out);
// state of one parameter (group-major order): step, and up to 3 buffers (SGD: momentum; AdamW:
// exp_avg, exp_avg_sq, max_exp_avg_sq), as copies. Returns the number of buffers written (0 = no state yet).
ARB_API int32_t arb_optim_get_state(arb_optimizer o, int32_t param, int64_t* step, arb_tensor* bufs);
ARB_API int32_t arb_optim_set_state(arb_optimizer o, int32_t param, int64_t step, const arb_tensor* bufs, int32_t nbufs);
ARB_API int32_t arb_clip_grad_norm(const arb_tensor* params, int32_t n, double max_norm, double* total_norm);

// ---- torch.distributed process groups (distributed.cpp) ------------------------------------------
// A group is created collectively: every rank calls arb_pg_new with the same world size, master address and port;
// rank 0 serves the TCPStore the ranks meet through. timeout_ms bounds the rendezvous and every collective (it is
// Gloo's per-operation timeout too): a peer that hangs or dies makes the call fail with "rank R: OP timed out
// after T s (...)" or "rank R: OP failed: ...". After such a failure the group refuses further collectives.
// Collectives are blocking; tensors are CPU tensors of the same shape and dtype on every rank.
ARB_API int32_t arb_pg_backends(char* buf, int32_t cap);      // backends compiled in, comma-separated ("gloo")
ARB_API arb_pg arb_pg_new(const char* backend, int32_t rank, int32_t world_size, const char* master_addr,
                          int32_t master_port, int64_t timeout_ms);
ARB_API void arb_pg_free(arb_pg pg);                          // waits for in-flight work (at most its timeout)
// op: 0 sum, 1 mean (sum, then divided by the world size; floating-point tensors). In place.
ARB_API int32_t arb_pg_allreduce(arb_pg pg, arb_tensor t, int32_t op);
ARB_API int32_t arb_pg_broadcast(arb_pg pg, arb_tensor t, int32_t root);   // in place; root's values everywhere
// writes world_size NEW handles (rank order) to out (room for cap); returns world_size or -1
ARB_API int32_t arb_pg_allgather(arb_pg pg, arb_tensor t, arb_tensor* out, int32_t cap);
// byte payloads of any (unequal) sizes: writes every rank's size to sizes (room for cap) and one NEW uint8 tensor
// to out holding the payloads concatenated in rank order; returns world_size or -1
ARB_API int32_t arb_pg_allgather_bytes(arb_pg pg, const void* data, int64_t nbytes, int64_t* sizes, int32_t cap,
                                       arb_tensor* out);
ARB_API int32_t arb_pg_barrier(arb_pg pg);

#ifdef __cplusplus
}
#endif
