using Arbor.Tensors.Native;

namespace Arbor.Tensors;

public sealed partial class Tensor
{
    /// <summary>
    /// This per-sample tensor ([B], or already [B, 1, …]) as [B, 1, …, 1] of <paramref name="like"/>'s rank (a view),
    /// so one value per sample (a time, a weight) broadcasts over that sample's other dimensions.
    /// </summary>
    public Tensor PerSampleLike(Tensor like) => Reshape([Size(0), .. Enumerable.Repeat(1L, like.Dim - 1)]);

    public unsafe Tensor Reshape(params long[] shape)
    {
        IntPtr r;
        fixed (long* p = shape) r = NativeMethods.arb_reshape(Handle, p, shape.Length, 0);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    /// <summary>Like <see cref="Reshape"/> but never copies: fails on memory layouts a view cannot express.</summary>
    public unsafe Tensor View(params long[] shape)
    {
        IntPtr r;
        fixed (long* p = shape) r = NativeMethods.arb_reshape(Handle, p, shape.Length, 1);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    public unsafe Tensor Permute(params long[] dims)
    {
        IntPtr r;
        fixed (long* p = dims) r = NativeMethods.arb_permute(Handle, p, dims.Length);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    public Tensor Transpose(long dim0, long dim1)
    {
        var r = NativeMethods.arb_transpose(Handle, dim0, dim1);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    public unsafe Tensor Expand(params long[] shape)
    {
        IntPtr r;
        fixed (long* p = shape) r = NativeMethods.arb_expand(Handle, p, shape.Length);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    public unsafe Tensor Repeat(params long[] repeats)
    {
        IntPtr r;
        fixed (long* p = repeats) r = NativeMethods.arb_repeat(Handle, p, repeats.Length);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    public unsafe Tensor Flip(params long[] dims)
    {
        IntPtr r;
        fixed (long* p = dims) r = NativeMethods.arb_flip(Handle, p, dims.Length);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    public Tensor Squeeze(long dim)
    {
        var r = NativeMethods.arb_squeeze(Handle, dim);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    public Tensor Unsqueeze(long dim)
    {
        var r = NativeMethods.arb_unsqueeze(Handle, dim);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    public Tensor Flatten(long startDim = 0, long endDim = -1)
    {
        var r = NativeMethods.arb_flatten(Handle, startDim, endDim);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    public Tensor Contiguous()
    {
        var r = NativeMethods.arb_contiguous(Handle);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    /// <summary>Elements [start, start + length) of dimension <paramref name="dim"/>, as a view.</summary>
    public Tensor Narrow(long dim, long start, long length)
    {
        var r = NativeMethods.arb_narrow(Handle, dim, start, length);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    /// <summary>The slice at <paramref name="index"/> of dimension <paramref name="dim"/> (that dimension removed).</summary>
    public Tensor Select(long dim, long index)
    {
        var r = NativeMethods.arb_select(Handle, dim, index);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    [System.Runtime.CompilerServices.IndexerName("At")]
    public Tensor this[long index] => Select(0, index);

    public Tensor IndexSelect(long dim, Tensor index)
    {
        var r = NativeMethods.arb_index_select(Handle, dim, index.Handle);
        GC.KeepAlive(this);
        GC.KeepAlive(index);
        return Wrap(r);
    }

    public Tensor Gather(long dim, Tensor index)
    {
        var r = NativeMethods.arb_gather(Handle, dim, index.Handle);
        GC.KeepAlive(this);
        GC.KeepAlive(index);
        return Wrap(r);
    }

    public unsafe Tensor[] Chunk(long chunks, long dim = 0)
    {
        var buf = new IntPtr[Math.Max(1, chunks)];
        int n;
        fixed (IntPtr* p = buf) n = NativeMethods.arb_chunk(Handle, chunks, dim, p, buf.Length);
        GC.KeepAlive(this);
        Check.Status(n);
        return WrapAll(buf, n);
    }

    public unsafe Tensor[] Split(long splitSize, long dim = 0)
    {
        if (splitSize <= 0) throw new ArgumentOutOfRangeException(nameof(splitSize), "split size must be positive");
        long size = Size((int)dim);
        var buf = new IntPtr[Math.Max(1, (size + splitSize - 1) / splitSize)];
        int n;
        fixed (IntPtr* p = buf) n = NativeMethods.arb_split(Handle, splitSize, dim, p, buf.Length);
        GC.KeepAlive(this);
        Check.Status(n);
        return WrapAll(buf, n);
    }

    private static Tensor[] WrapAll(IntPtr[] raw, int n)
    {
        var result = new Tensor[n];
        for (int i = 0; i < n; i++) result[i] = new Tensor(raw[i]);
        return result;
    }
}
