using Arbor.Tensors.Native;

namespace Arbor.Tensors;

/// <summary>
/// A seeded random-number generator of libtorch's (Philox on CUDA, mt19937 on CPU). Its state can be
/// saved and restored, which is what makes resumed runs continue bit for bit.
/// </summary>
public sealed class Generator : IDisposable
{
    private IntPtr _handle;

    public Generator(ulong seed, Device? device = null)
    {
        var d = device ?? Torch.Cpu;
        _handle = Check.Handle(NativeMethods.arb_generator_new(seed, (int)d.Type, d.Index));
        Device = d;
    }

    public Device Device { get; }

    internal IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(nameof(Generator));

    public void Seed(ulong seed) => Check.Status(NativeMethods.arb_generator_seed(Handle, seed));

    /// <summary>The full state as bytes.</summary>
    public byte[] GetState()
    {
        using var t = Tensor.Wrap(NativeMethods.arb_generator_get_state(Handle)).DetachFromScope();
        return t.ToArray<byte>();
    }

    public void SetState(byte[] state)
    {
        using var t = Torch.FromArray(state, [state.Length]).DetachFromScope();
        Check.Status(NativeMethods.arb_generator_set_state(Handle, t.Handle));
    }

    public void Dispose()
    {
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero) NativeMethods.arb_generator_free(h);
    }
}
