using Arbor.Tensors.Native;

namespace Arbor.Tensors;

/// <summary>Restores the previous autograd mode when disposed (libtorch's mode is per thread).</summary>
public readonly struct GradModeScope : IDisposable
{
    private readonly bool _previous;
    internal GradModeScope(bool enabled) => _previous = NativeMethods.arb_set_grad_enabled(enabled ? 1 : 0) == 1;
    public void Dispose() => NativeMethods.arb_set_grad_enabled(_previous ? 1 : 0);
}

/// <summary>
/// libtorch's inference mode: like no-grad, and cheaper, but tensors made inside can never enter autograd.
/// Must be disposed on the thread that entered it.
/// </summary>
public sealed class InferenceModeScope : IDisposable
{
    private IntPtr _guard;
    internal InferenceModeScope() => _guard = Check.Handle(NativeMethods.arb_inference_mode_enter());

    public void Dispose()
    {
        var g = Interlocked.Exchange(ref _guard, IntPtr.Zero);
        if (g != IntPtr.Zero) Check.Status(NativeMethods.arb_inference_mode_exit(g));
    }
}
