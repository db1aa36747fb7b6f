using System.Runtime.InteropServices;
using Arbor.Tensors.Native;

namespace Arbor.Tensors;

/// <summary>
/// Owns one native at::Tensor*. Freed by <see cref="Tensor.Dispose"/> (directly or through a
/// <see cref="TensorScope"/>); the finalizer is only a safety net, and every handle it has to free is
/// counted in <see cref="Torch.FinalizedTensors"/> so a leak shows up instead of hiding.
/// </summary>
internal sealed class TensorHandle : SafeHandle
{
    private static long _finalized;
    internal static long FinalizedCount => Interlocked.Read(ref _finalized);

    private bool _explicitDispose;

    internal TensorHandle(IntPtr raw) : base(IntPtr.Zero, ownsHandle: true) => SetHandle(raw);

    public override bool IsInvalid => handle == IntPtr.Zero;

    internal void DisposeExplicitly()
    {
        _explicitDispose = true;
        Dispose();
    }

    protected override bool ReleaseHandle()
    {
        if (!_explicitDispose) Interlocked.Increment(ref _finalized);
        NativeMethods.arb_tensor_free(handle);
        return true;
    }
}
