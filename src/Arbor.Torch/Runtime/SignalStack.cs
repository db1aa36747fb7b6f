using Arbor.Tensors.Native;

namespace Arbor.Tensors;

/// <summary>
/// Gives a thread that runs bf16 products an alternate signal stack large enough for AMX. On a CPU with AMX, oneDNN's
/// bf16 kernels make the kernel save the tile state (about 11 KiB) in every signal frame on that thread, and .NET's
/// own 16 KiB alternate stack then overflows when it turns a null dereference into a NullReferenceException: the
/// process dies of SIGSEGV instead (native/src/signal_stack.cpp says more). Called by every bf16
/// <see cref="ComputePrecision"/> scope; once per thread.
/// </summary>
internal static class SignalStack
{
    /// <summary>Four times what AMX's signal frame takes, so the runtime's handler has room of its own.</summary>
    internal const long Bytes = 64 * 1024;

    [ThreadStatic] private static bool _ensured;

    internal static void EnsureForThisThread()
    {
        if (_ensured || !OperatingSystem.IsLinux()) return;
        Check.Status(NativeMethods.arb_ensure_signal_stack(Bytes));
        _ensured = true;
    }
}
