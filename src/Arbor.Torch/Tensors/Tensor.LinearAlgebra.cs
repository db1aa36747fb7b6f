using Arbor.Tensors.Native;

namespace Arbor.Tensors;

public sealed partial class Tensor
{
    /// <summary>Matrix product with numpy/torch broadcasting rules.</summary>
    public Tensor Matmul(Tensor other)
    {
        var r = NativeMethods.arb_matmul(Handle, other.Handle);
        GC.KeepAlive(this);
        GC.KeepAlive(other);
        return Wrap(r);
    }

    /// <summary>Batched matrix product of [B, n, m] and [B, m, p].</summary>
    public Tensor Bmm(Tensor other)
    {
        var r = NativeMethods.arb_bmm(Handle, other.Handle);
        GC.KeepAlive(this);
        GC.KeepAlive(other);
        return Wrap(r);
    }
}
