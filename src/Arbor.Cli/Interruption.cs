using System.Runtime.InteropServices;

namespace Arbor.Cli;

/// <summary>
/// Ctrl+C (SIGINT) and SIGTERM for every command. A command that can stop at a clean point says so with
/// <see cref="StopsCleanly"/> (train and pretrain after the current iteration or step with a checkpoint, sample after the
/// current prompt, reward-serve after its requests): the first signal cancels <see cref="Token"/> and prints what will
/// happen, the command stops itself and exits 128 + the signal's number (130 for Ctrl+C, 143 for SIGTERM, as shells report
/// a process killed by it), and a second signal stops at once. Every other command stops at once on the first signal with
/// that exit status: a signal is never swallowed by a command that would not look at it. Stopping at once restores the
/// terminal's cursor first (Spectre's live displays hide it).
/// </summary>
/// <remarks>
/// A process started in the background by a non-interactive shell (`arbor train ... &amp;` in a script, nohup) inherits
/// SIGINT ignored, and .NET keeps it ignored, as POSIX programs do: Ctrl+C at the terminal is not meant for background
/// jobs. Stop those with SIGTERM (`kill PID`), which is never inherited ignored and takes the same path.
/// </remarks>
public static partial class Interruption
{
    private const int SigInt = 2, SigTerm = 15;

    // _exit, not Environment.Exit: exit's atexit handlers tear down libtorch's operator registry while the main thread
    // may be inside an operator, which then fails with a confusing "Could not run 'aten::linear'" error on the way out
    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void ExitNow(int status);

    private static readonly CancellationTokenSource Source = new();
    private static readonly List<PosixSignalRegistration> Registrations = [];
    private static int _signals;
    private static int _firstSignal = SigInt;
    private static readonly List<Action> ForcedStopActions = [];
    // null until a command says it stops cleanly: until then a signal stops the process at once
    private static volatile CleanStop? _cleanStop;

    private sealed record CleanStop(string Stopping, string StoppedAtOnce);

    /// <summary>Cancelled by the first Ctrl+C or SIGTERM once the command called <see cref="StopsCleanly"/>.</summary>
    public static CancellationToken Token => Source.Token;

    /// <summary>The exit status of a command stopped by a signal: 128 + the first signal's number, as shells expect.</summary>
    public static int ExitCode => 128 + _firstSignal;

    /// <summary>What a command that does not stop cleanly prints when a signal stops it.</summary>
    public const string StoppedAtOnceMessage = "interrupted: stopped at once";

    /// <summary>
    /// Runs <paramref name="action"/> before the process exits on a signal it does not wait for (`arbor launch` kills its
    /// workers, which live in their own sessions and would otherwise outlive it).
    /// </summary>
    public static void OnForcedStop(Action action)
    {
        lock (ForcedStopActions) ForcedStopActions.Add(action);
    }

    /// <summary>Handles SIGINT and SIGTERM from now on (Program, before any command runs).</summary>
    public static void Install()
    {
        if (Registrations.Count > 0) return;
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
            Registrations.Add(PosixSignalRegistration.Create(signal, OnSignal));
    }

    /// <summary>
    /// The calling command watches <see cref="Token"/> and stops at a clean point: the first signal prints
    /// <paramref name="stopping"/> (what the command will do) and cancels the token; a second prints
    /// <paramref name="stoppedAtOnce"/> (where that leaves the user) and ends the process.
    /// </summary>
    public static void StopsCleanly(string stopping, string stoppedAtOnce) => _cleanStop = new CleanStop(stopping, stoppedAtOnce);

    private static void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true;   // the process does not die of the signal: it stops itself, here or at its clean point
        var clean = _cleanStop;
        if (Interlocked.Increment(ref _signals) == 1)
        {
            _firstSignal = context.Signal == PosixSignal.SIGTERM ? SigTerm : SigInt;
            if (clean is not null)
            {
                Console.Error.WriteLine($"\n{clean.Stopping} (press Ctrl+C again to stop at once)");
                Source.Cancel();
                return;
            }
        }
        StopAtOnce(clean?.StoppedAtOnce ?? StoppedAtOnceMessage);
    }

    private static void StopAtOnce(string message)
    {
        if (!Console.IsOutputRedirected) Console.Out.Write("\u001b[?25h");   // show the cursor again
        Console.Error.WriteLine($"\n{message}");
        lock (ForcedStopActions)
        {
            foreach (var action in ForcedStopActions)
                try { action(); } catch (Exception e) { Console.Error.WriteLine($"while stopping: {e.Message}"); }
        }
        Console.Out.Flush();
        Console.Error.Flush();
        ExitNow(ExitCode);
    }
}
