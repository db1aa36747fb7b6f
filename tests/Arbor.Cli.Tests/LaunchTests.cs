using System.Diagnostics;
using System.Runtime.InteropServices;
using Arbor.Cli.Launch;
using Arbor.TestKit;

namespace Arbor.Cli.Tests;

/// <summary>`arbor launch` on real processes: torchrun's variables, rank-prefixed output, exit codes, fail-fast and signals.</summary>
public partial class LaunchTests
{
    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    private const int SigTerm = 15;

    private static ProcessStartInfo Arbor(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "arbor.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }

    private static async Task<(int Code, string Out, string Err)> Run(ProcessStartInfo start, int timeoutSeconds = 60)
    {
        using var p = Process.Start(start)!;
        var (o, e) = (p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException) { p.Kill(entireProcessTree: true); throw new TimeoutException($"{string.Join(' ', start.ArgumentList)} ran past {timeoutSeconds} s"); }
        return (p.ExitCode, await o, await e);
    }

    [Fact]
    public void WorkersGetTorchrunsVariablesAndAShareOfTheCores()
    {
        var plan = new LaunchPlan(ProcsPerNode: 2, Nodes: 3, NodeRank: 2, MasterAddress: "10.0.0.1", MasterPort: 29400);
        var env = plan.WorkerEnvironment(1, _ => null, cores: 8);
        Assert.Equal(("5", "6", "1", "2", "2", "10.0.0.1", "29400", "4"),
            (env["RANK"], env["WORLD_SIZE"], env["LOCAL_RANK"], env["LOCAL_WORLD_SIZE"], env["GROUP_RANK"], env["MASTER_ADDR"], env["MASTER_PORT"], env["ARBOR_THREADS"]));
        // the user's own thread count is kept
        Assert.False(plan.WorkerEnvironment(0, v => v == "ARBOR_THREADS" ? "3" : null, 8).ContainsKey("ARBOR_THREADS"));
        Assert.Contains("--node-rank 3 is out of range for --nnodes 3", Assert.Throws<ArgumentException>(() => (plan with { NodeRank = 3 }).Validate()).Message);
        Assert.Contains("--nproc-per-node must be at least 1", Assert.Throws<ArgumentException>(() => new LaunchPlan(0).Validate()).Message);
    }

    [Fact]
    public async Task TwoWorkersJoinOneProcessGroupAndPrintUnderTheirRanks()
    {
        var (code, stdout, stderr) = await Run(Arbor("launch", "--nproc-per-node", "2", "--master-port", $"{Ports.Free()}", "--", "doctor", "--distributed"));
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("[rank 0] rank 0 of 2 (local 0, gloo") && l.Contains("allreduce sum 3 (expected 3)"));
        Assert.Contains(lines, l => l.StartsWith("[rank 1] rank 1 of 2 (local 1, gloo") && l.Contains("broadcast from rank 1 ok"));
    }

    [Fact]
    public async Task TwoLaunchersWithTwoNodesOnOneMachineFormOneJobOfFour()
    {
        var port = $"{Ports.Free()}";
        string[] Node(int rank) => ["launch", "--nproc-per-node", "2", "--nnodes", "2", "--node-rank", $"{rank}", "--master-addr", "127.0.0.1", "--master-port", port, "--", "doctor", "--distributed"];
        var results = await Task.WhenAll(Run(Arbor(Node(0))), Run(Arbor(Node(1))));
        Assert.All(results, r => Assert.True(r.Code == 0, r.Err));
        Assert.Contains("[rank 1] rank 1 of 4 (local 1,", results[0].Out);
        Assert.Contains("[rank 3] rank 3 of 4 (local 1,", results[1].Out);
        Assert.All(results, r => Assert.Contains("allreduce sum 10 (expected 10)", r.Out));
    }

    [Fact]
    public async Task AFailingRankStopsTheOthersAndItsErrorAndExitCodeAreTheLaunchers()
    {
        // rank 1 fails at once with an error as arbor prints them; rank 0 would run for a minute
        var script = "if [ \"$RANK\" = 1 ]; then echo 'error: config file x.yaml: unknown key' >&2; echo '  because: a typo' >&2; exit 3; fi; sleep 60";
        var clock = Stopwatch.StartNew();
        var (code, _, stderr) = await Run(Arbor("launch", "--nproc-per-node", "2", "--grace-seconds", "5", "--", "/bin/sh", "-c", script));
        Assert.Equal(3, code);
        Assert.Contains("[rank 1] error: config file x.yaml: unknown key", stderr);
        Assert.Contains("launch: rank 1 failed (exit code 3):\nerror: config file x.yaml: unknown key\n  because: a typo", stderr);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the launch took {clock.Elapsed}: rank 0 was not stopped");
    }

    [Fact]
    public async Task SigtermToTheLauncherReachesEveryWorkerOnceAndItExits143()
    {
        var script = "trap 'echo \"stop $RANK\"; exit 143' TERM; echo \"ready $RANK\"; while true; do sleep 0.1; done";
        using var p = Process.Start(Arbor("launch", "--nproc-per-node", "2", "--", "/bin/sh", "-c", script))!;
        var err = p.StandardError.ReadToEndAsync();
        var seen = new List<string>();
        var ready = new TaskCompletionSource();
        var reader = Task.Run(async () =>
        {
            while (await p.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (seen) { seen.Add(line); if (seen.Count(l => l.Contains("ready")) == 2) ready.TrySetResult(); }
            }
        });
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, Kill(p.Id, SigTerm));
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        await reader;
        Assert.Equal(143, p.ExitCode);
        Assert.Equal(1, seen.Count(l => l == "[rank 0] stop 0"));
        Assert.Equal(1, seen.Count(l => l == "[rank 1] stop 1"));
        Assert.Contains("all 2 workers stopped cleanly", await err);
    }
}
