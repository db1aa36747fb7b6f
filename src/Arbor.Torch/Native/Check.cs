using System.Runtime.InteropServices;

namespace Arbor.Tensors.Native;

/// <summary>Turns the shim's error convention (NULL handle / -1 status) into .NET exceptions.</summary>
internal static class Check
{
    internal static string? TakeError()
    {
        var p = NativeMethods.arb_last_error();
        return p == IntPtr.Zero ? null : Marshal.PtrToStringUTF8(p);
    }

    internal static TorchException Failure(string fallback) => new(TakeError() ?? fallback);

    internal static void Status(int status)
    {
        if (status < 0) throw Failure("libtorch call failed without a message");
    }

    /// <summary>A handle that must be valid: NULL means an error is pending.</summary>
    internal static IntPtr Handle(IntPtr h)
    {
        if (h == IntPtr.Zero) throw Failure("libtorch returned no tensor");
        return h;
    }
}
