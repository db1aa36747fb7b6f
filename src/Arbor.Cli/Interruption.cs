using System.Runtime.InteropServices;

namespace Arbor.Cli;

/// <summary>
/// Ctrl+C and SIGTERM for the long commands: the first asks the run to stop at its next clean point (after the current
/// iteration or step, with a checkpoint written there) and the process exits 130 saying how to resume; a second one
/// stops at once, restoring the terminal's cursor first (Spectre's live displays hide it).
/// </summary>
public static class Interruption
{
    /// <summary>The exit status of a run stopped by a signal (128 + SIGINT), as shells expect.</summary>
    public const int ExitCode = 130;

    private static readonly CancellationTokenSource Source = new();
    private static readonly List<PosixSignalRegistration> Registrations = [];
    private static int _signals;

    /// <summary>Cancelled by the first Ctrl+C or SIGTERM once <see cref="Install"/> ran.</summary>
    public static CancellationToken Token => Source.Token;

    public static void Install()
    {
        if (Registrations.Count > 0) return;
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
            Registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
    }

    private static void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;   // the process does not die of the signal: the run stops itself
        if (Interlocked.Increment(ref _signals) == 1)
        {
            Console.Error.WriteLine("\nstopping after the current iteration and writing a checkpoint (press Ctrl+C again to stop at once)");
            Source.Cancel();
            return;
        }
        if (!Console.IsOutputRedirected) Console.Out.Write("\u001b[?25h");   // show the cursor again
        Console.Error.WriteLine("stopped at once; the run resumes from its last checkpoint with --resume");
        Environment.Exit(ExitCode);
    }
}
