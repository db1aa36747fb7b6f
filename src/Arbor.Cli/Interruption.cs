using System.Runtime.InteropServices;

namespace Arbor.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM for the long commands: the first asks the run to stop at its next clean point (after the
/// current iteration or step, with a checkpoint written there) and the process exits 128 + the signal's number (130 for
/// Ctrl+C, 143 for SIGTERM, as shells report a process killed by it) saying how to resume; a second one stops at once,
/// restoring the terminal's cursor first (Spectre's live displays hide it).
/// </summary>
/// <remarks>
/// A process started in the background by a non-interactive shell (`arbor train ... &amp;` in a script, nohup) inherits
/// SIGINT ignored, and .NET keeps it ignored, as POSIX programs do: Ctrl+C at the terminal is not meant for background
/// jobs. Stop those with SIGTERM (`kill PID`), which is never inherited ignored and takes the same clean path.
/// </remarks>
public static class Interruption
{
    private const int SigInt = 2, SigTerm = 15;

    private static readonly CancellationTokenSource Source = new();
    private static readonly List<PosixSignalRegistration> Registrations = [];
    private static int _signals;
    private static int _firstSignal = SigInt;
    private static readonly List<Action> ForcedStopActions = [];

    /// <summary>Cancelled by the first Ctrl+C or SIGTERM once <see cref="Install"/> ran.</summary>
    public static CancellationToken Token => Source.Token;

    /// <summary>The exit status of a run stopped by a signal: 128 + the first signal's number, as shells expect.</summary>
    public static int ExitCode => 128 + _firstSignal;

    /// <summary>
    /// Runs <paramref name="action"/> before the process exits on a second signal (`arbor launch` kills its workers,
    /// which live in their own sessions and would otherwise outlive it).
    /// </summary>
    public static void OnForcedStop(Action action)
    {
        lock (ForcedStopActions) ForcedStopActions.Add(action);
    }

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
            _firstSignal = context.Signal == PosixSignal.SIGTERM ? SigTerm : SigInt;
            Console.Error.WriteLine("\nstopping after the current iteration and writing a checkpoint (press Ctrl+C again to stop at once)");
            Source.Cancel();
            return;
        }
        if (!Console.IsOutputRedirected) Console.Out.Write("\u001b[?25h");   // show the cursor again
        Console.Error.WriteLine("stopped at once; the run resumes from its last checkpoint with --resume");
        lock (ForcedStopActions)
            foreach (var action in ForcedStopActions)
                try { action(); } catch (Exception e) { Console.Error.WriteLine($"while stopping: {e.Message}"); }
        Environment.Exit(ExitCode);
    }
}
