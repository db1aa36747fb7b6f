using Arbor.Tensors.Native;

namespace Arbor.Tensors;

public sealed partial class Tensor
{
    private Tensor Unary(UnaryOp op)
    {
        var r = NativeMethods.arb_unary((int)op, Handle);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    private Tensor UnaryInPlace(UnaryOp op)
    {
        Check.Status(NativeMethods.arb_unary_((int)op, Handle));
        GC.KeepAlive(this);
        return this;
    }

    private static Tensor Binary(BinaryOp op, Tensor a, Tensor b, double alpha = 1)
    {
        var r = NativeMethods.arb_binary((int)op, a.Handle, b.Handle, alpha);
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        return Wrap(r);
    }

    private static Tensor Binary(BinaryOp op, Tensor a, double b)
    {
        var r = NativeMethods.arb_binary_scalar((int)op, a.Handle, b);
        GC.KeepAlive(a);
        return Wrap(r);
    }

    private static Tensor Binary(BinaryOp op, double a, Tensor b)
    {
        var r = NativeMethods.arb_scalar_binary((int)op, a, b.Handle);
        GC.KeepAlive(b);
        return Wrap(r);
    }

    private Tensor BinaryInPlace(BinaryOp op, Tensor other, double alpha = 1)
    {
        Check.Status(NativeMethods.arb_binary_((int)op, Handle, other.Handle, alpha));
        GC.KeepAlive(this);
        GC.KeepAlive(other);
        return this;
    }

    private Tensor BinaryInPlace(BinaryOp op, double other)
    {
        Check.Status(NativeMethods.arb_binary_scalar_((int)op, Handle, other));
        GC.KeepAlive(this);
        return this;
    }

    // ---- operators (broadcasting as libtorch) ----
    public static Tensor operator +(Tensor a, Tensor b) => Binary(BinaryOp.Add, a, b);
    public static Tensor operator -(Tensor a, Tensor b) => Binary(BinaryOp.Sub, a, b);
    public static Tensor operator *(Tensor a, Tensor b) => Binary(BinaryOp.Mul, a, b);
    public static Tensor operator /(Tensor a, Tensor b) => Binary(BinaryOp.Div, a, b);
    public static Tensor operator +(Tensor a, double b) => Binary(BinaryOp.Add, a, b);
    public static Tensor operator -(Tensor a, double b) => Binary(BinaryOp.Sub, a, b);
    public static Tensor operator *(Tensor a, double b) => Binary(BinaryOp.Mul, a, b);
    public static Tensor operator /(Tensor a, double b) => Binary(BinaryOp.Div, a, b);
    public static Tensor operator +(double a, Tensor b) => Binary(BinaryOp.Add, a, b);
    public static Tensor operator -(double a, Tensor b) => Binary(BinaryOp.Sub, a, b);
    public static Tensor operator *(double a, Tensor b) => Binary(BinaryOp.Mul, a, b);
    public static Tensor operator /(double a, Tensor b) => Binary(BinaryOp.Div, a, b);
    public static Tensor operator -(Tensor a) => a.Unary(UnaryOp.Neg);

    /// <summary>a + alpha·b in one kernel.</summary>
    public Tensor Add(Tensor other, double alpha = 1) => Binary(BinaryOp.Add, this, other, alpha);
    public Tensor Pow(double exponent) => Binary(BinaryOp.Pow, this, exponent);
    public Tensor Pow(Tensor exponent) => Binary(BinaryOp.Pow, this, exponent);
    public Tensor Maximum(Tensor other) => Binary(BinaryOp.Maximum, this, other);
    public Tensor Minimum(Tensor other) => Binary(BinaryOp.Minimum, this, other);
    public Tensor Remainder(double other) => Binary(BinaryOp.Remainder, this, other);
    public Tensor Atan2(Tensor other) => Binary(BinaryOp.Atan2, this, other);

    // ---- comparisons (bool results) ----
    public Tensor Eq(Tensor other) => Binary(BinaryOp.Eq, this, other);
    public Tensor Ne(Tensor other) => Binary(BinaryOp.Ne, this, other);
    public Tensor Lt(Tensor other) => Binary(BinaryOp.Lt, this, other);
    public Tensor Le(Tensor other) => Binary(BinaryOp.Le, this, other);
    public Tensor Gt(Tensor other) => Binary(BinaryOp.Gt, this, other);
    public Tensor Ge(Tensor other) => Binary(BinaryOp.Ge, this, other);
    public Tensor Eq(double other) => Binary(BinaryOp.Eq, this, other);
    public Tensor Ne(double other) => Binary(BinaryOp.Ne, this, other);
    public Tensor Lt(double other) => Binary(BinaryOp.Lt, this, other);
    public Tensor Le(double other) => Binary(BinaryOp.Le, this, other);
    public Tensor Gt(double other) => Binary(BinaryOp.Gt, this, other);
    public Tensor Ge(double other) => Binary(BinaryOp.Ge, this, other);
    public Tensor LogicalAnd(Tensor other) => Binary(BinaryOp.LogicalAnd, this, other);
    public Tensor LogicalOr(Tensor other) => Binary(BinaryOp.LogicalOr, this, other);
    public Tensor LogicalNot() => Unary(UnaryOp.LogicalNot);
    public Tensor IsNan() => Unary(UnaryOp.IsNan);
    public Tensor IsFinite() => Unary(UnaryOp.IsFinite);

    // ---- unary math ----
    public Tensor Neg() => Unary(UnaryOp.Neg);
    public Tensor Abs() => Unary(UnaryOp.Abs);
    public Tensor Exp() => Unary(UnaryOp.Exp);
    public Tensor Log() => Unary(UnaryOp.Log);
    public Tensor Sqrt() => Unary(UnaryOp.Sqrt);
    public Tensor Rsqrt() => Unary(UnaryOp.Rsqrt);
    public Tensor Sin() => Unary(UnaryOp.Sin);
    public Tensor Cos() => Unary(UnaryOp.Cos);
    public Tensor Tanh() => Unary(UnaryOp.Tanh);
    public Tensor Sigmoid() => Unary(UnaryOp.Sigmoid);
    public Tensor Relu() => Unary(UnaryOp.Relu);
    public Tensor Silu() => Unary(UnaryOp.Silu);
    public Tensor Softplus() => Unary(UnaryOp.Softplus);
    public Tensor Square() => Unary(UnaryOp.Square);
    public Tensor Sign() => Unary(UnaryOp.Sign);
    public Tensor Floor() => Unary(UnaryOp.Floor);
    public Tensor Ceil() => Unary(UnaryOp.Ceil);
    public Tensor Round() => Unary(UnaryOp.Round);
    public Tensor Erf() => Unary(UnaryOp.Erf);
    public Tensor Log1p() => Unary(UnaryOp.Log1p);
    public Tensor Expm1() => Unary(UnaryOp.Expm1);
    public Tensor Reciprocal() => Unary(UnaryOp.Reciprocal);

    public Tensor Gelu(bool tanhApproximation = false)
    {
        var r = NativeMethods.arb_gelu(Handle, tanhApproximation ? 1 : 0);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    public Tensor Softmax(long dim)
    {
        var r = NativeMethods.arb_softmax(Handle, dim, 0);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    public Tensor LogSoftmax(long dim)
    {
        var r = NativeMethods.arb_softmax(Handle, dim, 1);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    public Tensor Clamp(double? min = null, double? max = null)
    {
        var r = NativeMethods.arb_clamp(Handle, min ?? 0, max ?? 0, min.HasValue ? 1 : 0, max.HasValue ? 1 : 0);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    public Tensor MaskedFill(Tensor mask, double value)
    {
        var r = NativeMethods.arb_masked_fill(Handle, mask.Handle, value);
        GC.KeepAlive(this);
        GC.KeepAlive(mask);
        return Wrap(r);
    }

    /// <summary>this + weight·(end − this).</summary>
    public Tensor Lerp(Tensor end, double weight)
    {
        var r = NativeMethods.arb_lerp(Handle, end.Handle, weight);
        GC.KeepAlive(this);
        GC.KeepAlive(end);
        return Wrap(r);
    }

    /// <summary>True when every element is within atol + rtol·|other| of <paramref name="other"/>.</summary>
    public bool AllClose(Tensor other, double rtol = 1e-5, double atol = 1e-8)
    {
        var r = NativeMethods.arb_isclose_all(Handle, other.Handle, rtol, atol);
        GC.KeepAlive(this);
        GC.KeepAlive(other);
        using var t = Wrap(r).DetachFromScope();
        return t.Item() != 0;
    }

    // ---- in place (for optimizers, EMA and buffers; not for tensors autograd needs) ----
    public Tensor AddInPlace(Tensor other, double alpha = 1) => BinaryInPlace(BinaryOp.Add, other, alpha);
    public Tensor SubInPlace(Tensor other, double alpha = 1) => BinaryInPlace(BinaryOp.Sub, other, alpha);
    public Tensor MulInPlace(Tensor other) => BinaryInPlace(BinaryOp.Mul, other);
    public Tensor DivInPlace(Tensor other) => BinaryInPlace(BinaryOp.Div, other);
    public Tensor AddInPlace(double other) => BinaryInPlace(BinaryOp.Add, other);
    public Tensor MulInPlace(double other) => BinaryInPlace(BinaryOp.Mul, other);
    public Tensor ZeroInPlace() => UnaryInPlace(UnaryOp.Zero);
    public Tensor ClampInPlace(double? min, double? max) { using var c = Clamp(min, max).DetachFromScope(); return CopyFrom(c); }

    public Tensor FillInPlace(double value)
    {
        Check.Status(NativeMethods.arb_fill_(Handle, value));
        GC.KeepAlive(this);
        return this;
    }

    /// <summary>Copies <paramref name="source"/> into this tensor (broadcasting, converting dtype and device).</summary>
    public Tensor CopyFrom(Tensor source)
    {
        Check.Status(NativeMethods.arb_copy_(Handle, source.Handle));
        GC.KeepAlive(this);
        GC.KeepAlive(source);
        return this;
    }

    /// <summary>this += weight·(end − this), as an EMA update.</summary>
    public Tensor LerpInPlace(Tensor end, double weight)
    {
        Check.Status(NativeMethods.arb_lerp_(Handle, end.Handle, weight));
        GC.KeepAlive(this);
        GC.KeepAlive(end);
        return this;
    }
}
