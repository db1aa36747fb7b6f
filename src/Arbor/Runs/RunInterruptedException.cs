namespace Arbor.Runs;

/// <summary>
/// A run stopped on request (Ctrl+C, SIGTERM) at a clean point: the work done so far is in a checkpoint at
/// <see cref="Position"/> (an iteration or a step) and the run continues from there with <c>--resume</c>.
/// </summary>
public sealed class RunInterruptedException(long position, string runDirectory, string unit)
    : OperationCanceledException($"interrupted after {unit} {position}; its checkpoint is in {Path.Combine(runDirectory, "checkpoint")}: " +
        "run the same command with --resume to continue")
{
    public long Position { get; } = position;
    public string RunDirectory { get; } = runDirectory;
}
