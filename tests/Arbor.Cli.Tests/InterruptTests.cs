using System.Runtime.InteropServices;
using Arbor.TestKit;

namespace Arbor.Cli.Tests;

/// <summary>Ctrl+C and SIGTERM on the real `arbor train` process: it stops
/// at a clean point with a checkpoint and exits 128 + the signal.</summary>
public partial class InterruptTests : IDisposable
{
    readonly TempDirectory _temp = new("arbor-cli-interrupt-");

    public void Dispose() => _temp.Dispose();

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    private const int SigInt = 2, SigTerm = 15;

    /// <summary>Whether this process ignores SIGINT (started as a background job of a non-interactive shell, as CI may
    /// be): its children inherit that, and .NET keeps an inherited-ignored SIGINT ignored, as POSIX programs do.</summary>
    private static bool SigIntIgnoredHere()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("SigIgn:"));
        ulong mask = Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16);
        return (mask & (1UL << (SigInt - 1))) != 0;
    }

    [Fact]
    public async Task SigtermStopsAfterTheCurrentIterationWithACheckpointAndExits143() => await StopsCleanlyOn(SigTerm, 143);

    [Fact]
    public async Task SigintStopsAfterTheCurrentIterationWithACheckpointAndExits130()
    {
        if (!SigIntIgnoredHere())
        {
            await StopsCleanlyOn(SigInt, 130);
            return;
        }
        // a background job: Ctrl+C is not for it, it keeps iterating, and SIGTERM still stops it cleanly
        using var run = StartRun();
        await run.WaitForIterations(2);
        Assert.Equal(0, Kill(run.Process.Id, SigInt));
        await run.WaitForIterations(2);
        Assert.False(run.Process.HasExited);
        Assert.Equal(0, Kill(run.Process.Id, SigTerm));
        await run.AssertStoppedCleanly(143);
    }

    private async Task StopsCleanlyOn(int signal, int exitCode)
    {
        using var run = StartRun();
        await run.WaitForIterations(2);
        Assert.Equal(0, Kill(run.Process.Id, signal));
        await run.AssertStoppedCleanly(exitCode);
    }

    private TrainRun StartRun() => TrainRun.Start(TinyRun.WriteEndlessTrainConfig(_temp.Path), Path.Combine(_temp.Path, "run"));
}
