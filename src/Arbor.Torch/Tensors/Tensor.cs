using System.Runtime.CompilerServices;
using System.Text;
using Arbor.Tensors.Native;

namespace Arbor.Tensors;

/// <summary>
/// A libtorch tensor. It has exactly one owner: the innermost <see cref="TensorScope"/> alive on this
/// thread when it was created, or, with no scope, the code that created it (which must dispose it).
/// Operations return new tensors with the same ownership rule; in-place operations end in "InPlace".
/// </summary>
public sealed partial class Tensor : IDisposable
{
    private readonly TensorHandle _handle;
    private long[]? _shape;

    internal TensorScope? Scope { get; set; }

    internal Tensor(IntPtr raw)
    {
        _handle = new TensorHandle(raw);
        TensorScope.Current?.Register(this);
    }

    /// <summary>Wraps a handle the shim just returned; NULL means libtorch raised an error.</summary>
    internal static Tensor Wrap(IntPtr raw) => new(Check.Handle(raw));

    internal IntPtr Handle
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get
        {
            if (_handle.IsClosed) ThrowDisposed();
            return _handle.DangerousGetHandle();
        }
    }

    private static void ThrowDisposed() =>
        throw new ObjectDisposedException(nameof(Tensor), "the tensor was disposed (directly or by its TensorScope)");

    public bool IsDisposed => _handle.IsClosed;

    public void Dispose()
    {
        Scope = null;
        _handle.DisposeExplicitly();
    }

    internal void DisposeFromScope() => _handle.DisposeExplicitly();

    /// <summary>Takes this tensor out of its scope; the caller now owns it.</summary>
    public Tensor DetachFromScope() => TensorScope.Detach(this);

    /// <summary>Hands this tensor to the scope enclosing its current one.</summary>
    public Tensor MoveToOuterScope() => Scope is { } s ? s.MoveToOuter(this) : this;

    // ---- metadata ----

    public unsafe long[] Shape
    {
        get
        {
            if (_shape is not null) return (long[])_shape.Clone();
            Span<long> buf = stackalloc long[16];
            int n;
            fixed (long* p = buf) n = NativeMethods.arb_tensor_shape(Handle, p, buf.Length);
            Check.Status(n);
            if (n > buf.Length) throw new NotSupportedException($"tensor of rank {n}");
            _shape = buf[..n].ToArray();
            GC.KeepAlive(this);
            return (long[])_shape.Clone();
        }
    }

    public int Dim => Shape.Length;

    /// <summary>Size of dimension <paramref name="dim"/> (negative counts from the end).</summary>
    public long Size(int dim)
    {
        var s = Shape;
        int d = dim < 0 ? dim + s.Length : dim;
        if (d < 0 || d >= s.Length) throw new ArgumentOutOfRangeException(nameof(dim), $"dim {dim} for a tensor of rank {s.Length}");
        return s[d];
    }

    public long NumEl
    {
        get
        {
            var n = NativeMethods.arb_tensor_numel(Handle);
            GC.KeepAlive(this);
            if (n < 0) throw Check.Failure("numel failed");
            return n;
        }
    }

    public DType DType
    {
        get
        {
            var d = NativeMethods.arb_tensor_dtype(Handle);
            GC.KeepAlive(this);
            Check.Status(d);
            return (DType)d;
        }
    }

    public unsafe Device Device
    {
        get
        {
            int type, index;
            Check.Status(NativeMethods.arb_tensor_device(Handle, &type, &index));
            GC.KeepAlive(this);
            return new Device((DeviceType)type, index);
        }
    }

    public bool IsContiguous
    {
        get
        {
            var r = NativeMethods.arb_tensor_is_contiguous(Handle);
            GC.KeepAlive(this);
            Check.Status(r);
            return r == 1;
        }
    }

    /// <summary>The value of a one-element tensor.</summary>
    public unsafe double Item()
    {
        double v;
        Check.Status(NativeMethods.arb_tensor_item(Handle, &v));
        GC.KeepAlive(this);
        return v;
    }

    public float ItemFloat() => (float)Item();

    // ---- host data ----

    /// <summary>Copies the elements (row-major) into a new array; <typeparamref name="T"/> must match the dtype's size.</summary>
    public unsafe T[] ToArray<T>() where T : unmanaged
    {
        var dtype = DType;
        if (sizeof(T) != dtype.ElementSize())
            throw new ArgumentException($"cannot read {dtype} elements as {typeof(T).Name}");
        var result = new T[checked((int)NumEl)];
        fixed (T* p = result)
            Check.Status(NativeMethods.arb_tensor_copy_to_host(Handle, p, (long)result.Length * sizeof(T)));
        GC.KeepAlive(this);
        return result;
    }

    /// <summary>The raw little-endian element bytes (row-major, contiguous), whatever the dtype.</summary>
    public unsafe byte[] ToBytes()
    {
        var result = new byte[checked((int)(NumEl * DType.ElementSize()))];
        CopyBytesTo(result);
        return result;
    }

    /// <summary>Copies the raw element bytes into <paramref name="destination"/>, which must be exactly the right size.</summary>
    public unsafe void CopyBytesTo(Span<byte> destination)
    {
        fixed (byte* p = destination)
            Check.Status(NativeMethods.arb_tensor_copy_to_host(Handle, p, destination.Length));
        GC.KeepAlive(this);
    }

    public float[] ToFloatArray() => DType == DType.Float32 ? ToArray<float>() : Converted(DType.Float32, t => t.ToArray<float>());
    public double[] ToDoubleArray() => DType == DType.Float64 ? ToArray<double>() : Converted(DType.Float64, t => t.ToArray<double>());
    public long[] ToLongArray() => DType == DType.Int64 ? ToArray<long>() : Converted(DType.Int64, t => t.ToArray<long>());
    public bool[] ToBoolArray() => DType == DType.Bool ? ToArray<bool>() : Converted(DType.Bool, t => t.ToArray<bool>());

    private TResult Converted<TResult>(DType dtype, Func<Tensor, TResult> read)
    {
        using var t = To(dtype).DetachFromScope();
        return read(t);
    }

    /// <summary>Zero-copy view of a contiguous CPU tensor's elements. Valid while the tensor lives.</summary>
    public unsafe Span<T> DataSpan<T>() where T : unmanaged
    {
        if (sizeof(T) != DType.ElementSize()) throw new ArgumentException($"cannot view {DType} elements as {typeof(T).Name}");
        var p = NativeMethods.arb_tensor_data_ptr(Handle);
        if (p == IntPtr.Zero) throw Check.Failure("data_ptr failed");
        return new Span<T>((void*)p, checked((int)NumEl));
    }

    public override unsafe string ToString()
    {
        if (IsDisposed) return "Tensor(disposed)";
        var shape = string.Join(", ", Shape);
        return $"Tensor([{shape}], {DType}, {Device})";
    }

    /// <summary>libtorch's own printout of the values.</summary>
    public unsafe string Print()
    {
        int need = NativeMethods.arb_tensor_to_string(Handle, null, 0);
        Check.Status(need);
        var buf = new byte[need + 1];
        fixed (byte* p = buf) NativeMethods.arb_tensor_to_string(Handle, p, buf.Length);
        GC.KeepAlive(this);
        return Encoding.UTF8.GetString(buf, 0, need);
    }
}
