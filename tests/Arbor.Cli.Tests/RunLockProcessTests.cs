using System.Runtime.InteropServices;
using Arbor.TestKit;

namespace Arbor.Cli.Tests;

/// <summary>Two real `arbor train` processes on one run directory: the
/// second fails at once naming the first, which goes on unharmed.</summary>
public partial class RunLockProcessTests : IDisposable
{
    readonly TempDirectory _temp = new("arbor-cli-runlock-");

    public void Dispose() => _temp.Dispose();

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    [Fact]
    public async Task ASecondTrainOnARunInProgressFailsNamingTheFirstWhateverItsFlags()
    {
        var config = TinyRun.WriteEndlessTrainConfig(_temp.Path);
        var dir = Path.Combine(_temp.Path, "run");
        using var first = TrainRun.Start(config, dir);
        await first.WaitForIterations(1);
        var configBefore = File.ReadAllText(Path.Combine(dir, "config.yaml"));

        // plain (the directory already holds the first's files), --resume and --overwrite: each names the owner, not the files
        foreach (string[] flags in new[] { Array.Empty<string>(), ["--resume"], ["--overwrite"] })
        {
            var (code, _, err) =
                await ArborProcess.RunAsync(ArborProcess.ArborCommand(["train", "--config", config, "--out", dir, .. flags]));
            Assert.Equal(CliErrorReport.ExitCode, code);
            Assert.Equal($"error: '{dir}' is in use by PID {first.Process.Id} on {Environment.MachineName}",
                err[..err.IndexOf(" (started ", StringComparison.Ordinal)]);
            Assert.Contains("one process at a time writes a run directory", err);
        }

        // the first run was not touched: it still iterates, its config is its own, and its stop leaves a whole log and checkpoint
        await first.WaitForIterations(1);
        Assert.False(first.Process.HasExited);
        Assert.Equal(configBefore, File.ReadAllText(Path.Combine(dir, "config.yaml")));
        Assert.Equal(0, Kill(first.Process.Id, 15));
        await first.AssertStoppedCleanly(143);
    }
}
