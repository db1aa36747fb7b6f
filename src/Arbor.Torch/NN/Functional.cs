using Arbor.Tensors.Native;

namespace Arbor.Tensors.NN;

/// <summary>Stateless neural-network operations, as torch.nn.functional.</summary>
public static unsafe class F
{
    private static IntPtr H(Tensor? t) => t?.Handle ?? IntPtr.Zero;

    /// <summary>
    /// x·Wᵀ + b with W of shape [out, in]. Under <see cref="ComputePrecision"/> bf16 a float32 product runs on
    /// bf16 copies of x, W and b and returns float32.
    /// </summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        if (ComputePrecision.Bf16 && x.DType == DType.Float32) return LinearBf16(x, weight, bias);
        return LinearAsIs(x, weight, bias);
    }

    private static Tensor LinearAsIs(Tensor x, Tensor weight, Tensor? bias)
    {
        var r = NativeMethods.arb_linear(x.Handle, weight.Handle, H(bias));
        GC.KeepAlive(x); GC.KeepAlive(weight); GC.KeepAlive(bias);
        return Tensor.Wrap(r);
    }

    private static Tensor LinearBf16(Tensor x, Tensor weight, Tensor? bias)
    {
        using var scope = Torch.NewScope();
        // the bias joins the bf16 product (one fused addmm): its rounding is below the product's own
        var y = LinearAsIs(x.To(DType.BFloat16), weight.To(DType.BFloat16), bias?.To(DType.BFloat16));
        return scope.MoveToOuter(y.To(DType.Float32));
    }

    public static Tensor Conv2d(Tensor x, Tensor weight, Tensor? bias = null, (long, long)? stride = null,
        (long, long)? padding = null, (long, long)? dilation = null, long groups = 1)
    {
        var (s0, s1) = stride ?? (1, 1);
        var (p0, p1) = padding ?? (0, 0);
        var (d0, d1) = dilation ?? (1, 1);
        long* s = stackalloc long[] { s0, s1 };
        long* p = stackalloc long[] { p0, p1 };
        long* d = stackalloc long[] { d0, d1 };
        var r = NativeMethods.arb_conv2d(x.Handle, weight.Handle, H(bias), s, p, d, groups);
        GC.KeepAlive(x); GC.KeepAlive(weight); GC.KeepAlive(bias);
        return Tensor.Wrap(r);
    }

    /// <summary>Transposed convolution; weight has shape [in, out / groups, kH, kW].</summary>
    public static Tensor ConvTranspose2d(Tensor x, Tensor weight, Tensor? bias = null, (long, long)? stride = null,
        (long, long)? padding = null, (long, long)? outputPadding = null, (long, long)? dilation = null, long groups = 1)
    {
        var (s0, s1) = stride ?? (1, 1);
        var (p0, p1) = padding ?? (0, 0);
        var (o0, o1) = outputPadding ?? (0, 0);
        var (d0, d1) = dilation ?? (1, 1);
        long* s = stackalloc long[] { s0, s1 };
        long* p = stackalloc long[] { p0, p1 };
        long* o = stackalloc long[] { o0, o1 };
        long* d = stackalloc long[] { d0, d1 };
        var r = NativeMethods.arb_conv_transpose2d(x.Handle, weight.Handle, H(bias), s, p, o, d, groups);
        GC.KeepAlive(x); GC.KeepAlive(weight); GC.KeepAlive(bias);
        return Tensor.Wrap(r);
    }

    /// <summary>Normalizes over the trailing dims given by <paramref name="normalizedShape"/>.</summary>
    public static Tensor LayerNorm(Tensor x, long[] normalizedShape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        fixed (long* s = normalizedShape)
        {
            var r = NativeMethods.arb_layer_norm(x.Handle, s, normalizedShape.Length, H(weight), H(bias), eps);
            GC.KeepAlive(x); GC.KeepAlive(weight); GC.KeepAlive(bias);
            return Tensor.Wrap(r);
        }
    }

    public static Tensor GroupNorm(Tensor x, long groups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
    {
        var r = NativeMethods.arb_group_norm(x.Handle, groups, H(weight), H(bias), eps);
        GC.KeepAlive(x); GC.KeepAlive(weight); GC.KeepAlive(bias);
        return Tensor.Wrap(r);
    }

    public static Tensor Embedding(Tensor indices, Tensor weight)
    {
        var r = NativeMethods.arb_embedding(weight.Handle, indices.Handle);
        GC.KeepAlive(weight); GC.KeepAlive(indices);
        return Tensor.Wrap(r);
    }

    /// <summary>Inverted dropout: zeroes with probability p and scales survivors by 1/(1−p); identity when not training.</summary>
    public static Tensor Dropout(Tensor x, double p, bool training)
    {
        if (p < 0 || p >= 1) throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1)");
        var r = NativeMethods.arb_dropout(x.Handle, p, training ? 1 : 0);
        GC.KeepAlive(x);
        return Tensor.Wrap(r);
    }

    /// <summary>
    /// softmax(q·kᵀ/√d + mask)·v over [..., L, d] inputs. Uses libtorch's fused kernel where the
    /// version has one (2.x), else the composite. A bool mask marks positions to attend; a float mask is added.
    /// Under <see cref="ComputePrecision"/> bf16, float32 inputs take the composite with both products in bf16
    /// (scores, mask and softmax in float32) and the result is float32.
    /// </summary>
    public static Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor? mask = null, double dropoutP = 0,
        bool causal = false, bool forceComposite = false)
    {
        bool bf16 = ComputePrecision.Bf16 && q.DType == DType.Float32;
        var r = NativeMethods.arb_sdpa(q.Handle, k.Handle, v.Handle, H(mask), dropoutP, causal ? 1 : 0,
            forceComposite ? 1 : 0, bf16 ? 1 : 0);
        GC.KeepAlive(q); GC.KeepAlive(k); GC.KeepAlive(v); GC.KeepAlive(mask);
        return Tensor.Wrap(r);
    }

    /// <summary>Whether <see cref="ScaledDotProductAttention"/> runs libtorch's fused kernel.</summary>
    public static bool FusedAttentionAvailable => NativeMethods.arb_sdpa_is_fused() == 1;

    public static Tensor Softmax(Tensor x, long dim) => x.Softmax(dim);
    public static Tensor LogSoftmax(Tensor x, long dim) => x.LogSoftmax(dim);
    public static Tensor Gelu(Tensor x, bool tanhApproximation = false) => x.Gelu(tanhApproximation);
    public static Tensor Silu(Tensor x) => x.Silu();
    public static Tensor Sigmoid(Tensor x) => x.Sigmoid();
    public static Tensor Tanh(Tensor x) => x.Tanh();

    /// <summary>Mean squared error over all elements.</summary>
    public static Tensor MseLoss(Tensor prediction, Tensor target)
    {
        using var scope = Torch.NewScope();
        var d = prediction - target;
        return scope.MoveToOuter(d.Square().Mean());
    }
}
