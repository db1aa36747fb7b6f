using System.Runtime.InteropServices;
using Arbor.Tensors.Native;

namespace Arbor.Tensors;

/// <summary>Entry points: tensor factories, scopes, autograd modes, seeding and accounting.</summary>
public static unsafe partial class Torch
{
    public static readonly Device Cpu = Device.Cpu;

    // ---- ownership and accounting ----

    /// <summary>Opens a scope that frees every tensor created inside it (see <see cref="TensorScope"/>).</summary>
    public static TensorScope NewScope() => new();

    /// <summary>Native tensor handles alive right now, across all threads.</summary>
    public static long LiveTensors => NativeMethods.arb_live_tensors();

    /// <summary>Handles that were freed by the garbage collector instead of by Dispose or a scope: leaks.</summary>
    public static long FinalizedTensors => TensorHandle.FinalizedCount;

    /// <summary>
    /// <see cref="LiveTensors"/> + <see cref="FinalizedTensors"/>: unchanged when the finalizer frees some
    /// other code's forgotten tensor, raised by a leak. Tests compare this one, so garbage left behind
    /// elsewhere cannot make them flaky.
    /// </summary>
    public static long UnreleasedTensors => LiveTensors + FinalizedTensors;

    // ---- autograd modes ----
    public static GradModeScope NoGrad() => new(false);
    public static GradModeScope EnableGrad() => new(true);
    public static InferenceModeScope InferenceMode() => new();
    public static bool IsGradEnabled => NativeMethods.arb_grad_enabled() == 1;

    /// <summary>Seeds libtorch's global generators (used by dropout and by factories given no generator).</summary>
    public static void ManualSeed(ulong seed) => Check.Status(NativeMethods.arb_manual_seed(seed));

    /// <summary>Asks libtorch for deterministic kernels (warning, not error, where none exists).</summary>
    public static void UseDeterministicAlgorithms(bool on) => Check.Status(NativeMethods.arb_set_deterministic(on ? 1 : 0));

    // ---- factories ----
    private static Tensor Fill(long[] shape, int kind, double value, DType dtype, Device? device, bool requiresGrad)
    {
        var d = device ?? Cpu;
        fixed (long* p = shape)
        {
            return Tensor.Wrap(NativeMethods.arb_full(p, shape.Length, kind, value, (int)dtype, (int)d.Type,
                d.Index, requiresGrad ? 1 : 0));
        }
    }

    public static Tensor Zeros(long[] shape, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false) =>
        Fill(shape, 0, 0, dtype, device, requiresGrad);
    public static Tensor Ones(long[] shape, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false) =>
        Fill(shape, 1, 0, dtype, device, requiresGrad);
    public static Tensor Empty(long[] shape, DType dtype = DType.Float32, Device? device = null) => Fill(shape, 2, 0, dtype, device, false);
    public static Tensor Full(long[] shape, double value, DType dtype = DType.Float32, Device? device = null, bool requiresGrad = false) =>
        Fill(shape, 3, value, dtype, device, requiresGrad);

    public static Tensor Arange(double start, double end, double step = 1, DType dtype = DType.Int64, Device? device = null)
    {
        var d = device ?? Cpu;
        return Tensor.Wrap(NativeMethods.arb_arange(start, end, step, (int)dtype, (int)d.Type, d.Index));
    }

    public static Tensor Arange(long end, DType dtype = DType.Int64, Device? device = null) => Arange(0, end, 1, dtype, device);

    public static Tensor Linspace(double start, double end, long steps, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Cpu;
        return Tensor.Wrap(NativeMethods.arb_linspace(start, end, steps, (int)dtype, (int)d.Type, d.Index));
    }

    public static Tensor Eye(long n, DType dtype = DType.Float32, Device? device = null)
    {
        var d = device ?? Cpu;
        return Tensor.Wrap(NativeMethods.arb_eye(n, (int)dtype, (int)d.Type, d.Index));
    }

    private static Tensor Random(long[] shape, int kind, Generator? generator, DType dtype, Device? device)
    {
        var d = device ?? generator?.Device ?? Cpu;
        fixed (long* p = shape)
        {
            var r = NativeMethods.arb_random(p, shape.Length, kind, generator?.Handle ?? IntPtr.Zero, (int)dtype, (int)d.Type, d.Index);
            GC.KeepAlive(generator);
            return Tensor.Wrap(r);
        }
    }

    /// <summary>Standard normal samples; from <paramref name="generator"/> when given, else the global generator.</summary>
    public static Tensor Randn(long[] shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null) =>
        Random(shape, 0, generator, dtype, device);

    /// <summary>Uniform samples in [0, 1).</summary>
    public static Tensor Rand(long[] shape, Generator? generator = null, DType dtype = DType.Float32, Device? device = null) =>
        Random(shape, 1, generator, dtype, device);

    /// <summary>Uniform integers in [low, high).</summary>
    public static Tensor RandInt(long low, long high, long[] shape, Generator? generator = null, Device? device = null)
    {
        var d = device ?? generator?.Device ?? Cpu;
        fixed (long* p = shape)
        {
            var r = NativeMethods.arb_randint(low, high, p, shape.Length, generator?.Handle ?? IntPtr.Zero, (int)d.Type, d.Index);
            GC.KeepAlive(generator);
            return Tensor.Wrap(r);
        }
    }

    public static Tensor ZerosLike(Tensor t) => Like(t, 0, 0);
    public static Tensor OnesLike(Tensor t) => Like(t, 1, 0);
    public static Tensor FullLike(Tensor t, double value) => Like(t, 4, value);

    /// <summary>Standard normal noise of <paramref name="t"/>'s shape, dtype and device.</summary>
    public static Tensor RandnLike(Tensor t, Generator? generator = null)
    {
        if (generator is null) return Like(t, 2, 0);
        var r = NativeMethods.arb_randn_like_gen(t.Handle, generator.Handle);
        GC.KeepAlive(t);
        GC.KeepAlive(generator);
        return Tensor.Wrap(r);
    }

    private static Tensor Like(Tensor t, int kind, double value)
    {
        var r = NativeMethods.arb_like(t.Handle, kind, value);
        GC.KeepAlive(t);
        return Tensor.Wrap(r);
    }

    // ---- from host memory ----
    private static DType DTypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? DType.Float32
        : typeof(T) == typeof(double) ? DType.Float64
        : typeof(T) == typeof(long) ? DType.Int64
        : typeof(T) == typeof(int) ? DType.Int32
        : typeof(T) == typeof(bool) ? DType.Bool
        : typeof(T) == typeof(byte) ? DType.UInt8
        : typeof(T) == typeof(Half) ? DType.Float16
        : throw new NotSupportedException($"no dtype for {typeof(T).Name}");

    /// <summary>A tensor holding a copy of <paramref name="data"/> with the given shape (default: 1-D).</summary>
    public static Tensor FromArray<T>(ReadOnlySpan<T> data, long[]? shape = null, Device? device = null) where T : unmanaged =>
        FromBytes(MemoryMarshal.AsBytes(data), DTypeOf<T>(), shape ?? [data.Length], device);

    public static Tensor FromArray<T>(T[] data, long[]? shape = null, Device? device = null) where T : unmanaged =>
        FromArray<T>(data.AsSpan(), shape, device);

    /// <summary>A tensor from raw little-endian element bytes of <paramref name="dtype"/> (e.g. read from safetensors).</summary>
    public static Tensor FromBytes(ReadOnlySpan<byte> bytes, DType dtype, long[] shape, Device? device = null)
    {
        var d = device ?? Cpu;
        fixed (byte* b = bytes)
        fixed (long* s = shape)
            return Tensor.Wrap(NativeMethods.arb_from_data(b, bytes.Length, s, shape.Length, (int)dtype, (int)d.Type, d.Index));
    }

    /// <summary>A 0-dimensional tensor.</summary>
    public static Tensor Scalar(double value, DType dtype = DType.Float32, Device? device = null) => Full([], value, dtype, device);

    // ---- combining ----
    public static Tensor Cat(IReadOnlyList<Tensor> tensors, long dim = 0) => Join(tensors, dim, stack: false);
    public static Tensor Stack(IReadOnlyList<Tensor> tensors, long dim = 0) => Join(tensors, dim, stack: true);

    private static Tensor Join(IReadOnlyList<Tensor> tensors, long dim, bool stack)
    {
        if (tensors.Count == 0) throw new ArgumentException(stack ? "stack of no tensors" : "cat of no tensors");
        var handles = new IntPtr[tensors.Count];
        for (int i = 0; i < handles.Length; i++) handles[i] = tensors[i].Handle;
        fixed (IntPtr* p = handles)
        {
            var r = NativeMethods.arb_cat(p, handles.Length, dim, stack ? 1 : 0);
            GC.KeepAlive(tensors);
            return Tensor.Wrap(r);
        }
    }

    /// <summary>Elementwise choice: <paramref name="a"/> where <paramref name="condition"/> is true, else <paramref name="b"/>.</summary>
    public static Tensor Where(Tensor condition, Tensor a, Tensor b)
    {
        var r = NativeMethods.arb_where(condition.Handle, a.Handle, b.Handle);
        GC.KeepAlive(condition);
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        return Tensor.Wrap(r);
    }

    public static Tensor Matmul(Tensor a, Tensor b) => a.Matmul(b);

    /// <summary>
    /// Gradients of scalar <paramref name="output"/> w.r.t. <paramref name="inputs"/>, returned rather than
    /// accumulated into .grad (null for inputs the output does not depend on).
    /// </summary>
    public static Tensor?[] Gradients(Tensor output, IReadOnlyList<Tensor> inputs, bool createGraph = false)
    {
        var ins = new IntPtr[inputs.Count];
        for (int i = 0; i < ins.Length; i++) ins[i] = inputs[i].Handle;
        var outs = new IntPtr[inputs.Count];
        fixed (IntPtr* pi = ins)
        fixed (IntPtr* po = outs)
            Check.Status(NativeMethods.arb_autograd_grad(output.Handle, pi, ins.Length, po, createGraph ? 1 : 0));
        GC.KeepAlive(output);
        GC.KeepAlive(inputs);
        var result = new Tensor?[outs.Length];
        for (int i = 0; i < outs.Length; i++) result[i] = outs[i] == IntPtr.Zero ? null : new Tensor(outs[i]);
        return result;
    }
}
