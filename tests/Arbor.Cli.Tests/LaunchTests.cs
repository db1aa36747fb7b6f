using System.Diagnostics;
using System.Runtime.InteropServices;
using Arbor.Cli.Launch;
using Arbor.TestKit;
using static Arbor.Cli.Tests.ArborProcess;

namespace Arbor.Cli.Tests;

/// <summary>`arbor launch` on real processes: torchrun's variables, rank-prefixed output, exit codes, fail-fast and signals.</summary>
public partial class LaunchTests
{
    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    private const int SigTerm = 15;



    [Fact]
    public void WorkersGetTorchrunsVariablesAndAShareOfTheCores()
    {
        var plan = new LaunchPlan(ProcsPerNode: 2, Nodes: 3, NodeRank: 2, MasterAddress: "10.0.0.1", MasterPort: 29400);
        var env = plan.WorkerEnvironment(1, _ => null, cores: 8);
        Assert.Equal(("5", "6", "1", "2", "2", "10.0.0.1", "29400", "4"),
            (env["RANK"], env["WORLD_SIZE"], env["LOCAL_RANK"], env["LOCAL_WORLD_SIZE"], env["GROUP_RANK"], env["MASTER_ADDR"],
                env["MASTER_PORT"], env["ARBOR_THREADS"]));
        // the user's own thread count is kept
        Assert.False(plan.WorkerEnvironment(0, v => v == "ARBOR_THREADS" ? "3" : null, 8).ContainsKey("ARBOR_THREADS"));
        Assert.Contains("--node-rank 3 is out of range for --nnodes 3",
            Assert.Throws<ArgumentException>(() => (plan with { NodeRank = 3 }).Validate()).Message);
        Assert.Contains("--nproc-per-node must be at least 1",
            Assert.Throws<ArgumentException>(() => new LaunchPlan(0).Validate()).Message);
    }

    [Fact]
    public async Task TwoWorkersJoinOneProcessGroupAndPrintUnderTheirRanks()
    {
        var (code, stdout, stderr) = await RunAsync(ArborCommand("launch", "--nproc-per-node", "2", "--master-port", $"{Ports.Free()}",
            "--", "doctor", "--distributed"));
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
        string[] Node(int rank) => ["launch", "--nproc-per-node", "2", "--nnodes", "2", "--node-rank", $"{rank}", "--master-addr",
            "127.0.0.1", "--master-port", port, "--", "doctor", "--distributed"];
        var results = await Task.WhenAll(RunAsync(ArborCommand(Node(0))), RunAsync(ArborCommand(Node(1))));
        Assert.All(results, r => Assert.True(r.Code == 0, r.Err));
        Assert.Contains("[rank 1] rank 1 of 4 (local 1,", results[0].Out);
        Assert.Contains("[rank 3] rank 3 of 4 (local 1,", results[1].Out);
        Assert.All(results, r => Assert.Contains("allreduce sum 10 (expected 10)", r.Out));
    }

    [Fact]
    public async Task AFailingRankStopsTheOthersAndItsErrorAndExitCodeAreTheLaunchers()
    {
        // rank 1 fails at once with an error as arbor prints them; rank 0 would run for a minute
        var script = "if [ \"$RANK\" = 1 ]; then echo 'error: config file x.yaml: unknown key' >&2; echo '  because: a typo' " +
            ">&2; exit 3; fi; sleep 60";
        var clock = Stopwatch.StartNew();
        var (code, _, stderr) =
            await RunAsync(ArborCommand("launch", "--nproc-per-node", "2", "--grace-seconds", "5", "--", "/bin/sh", "-c", script));
        Assert.Equal(3, code);
        Assert.Contains("[rank 1] error: config file x.yaml: unknown key", stderr);
        Assert.Contains("launch: rank 1 failed (exit code 3):\nerror: config file x.yaml: unknown key\n  because: a typo", stderr);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the launch took {clock.Elapsed}: rank 0 was not stopped");
    }

    [Fact]
    public async Task SigtermToTheLauncherReachesEveryWorkerOnceAndItExits143()
    {
        var script = "trap 'echo \"stop $RANK\"; exit 143' TERM; echo \"ready $RANK\"; while true; do sleep 0.1; done";
        using var p = Process.Start(ArborCommand("launch", "--nproc-per-node", "2", "--", "/bin/sh", "-c", script))!;
        var err = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var seen = new List<string>();
        var ready = new TaskCompletionSource();
        var reader = Task.Run(async () =>
        {
            while (await p.StandardOutput.ReadLineAsync() is { } line)
            {
                lock (seen) { seen.Add(line); if (seen.Count(l => l.Contains("ready")) == 2) ready.TrySetResult(); }
            }
        }, TestContext.Current.CancellationToken);
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(0, Kill(p.Id, SigTerm));
        await p.WaitForExitAsync(TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await reader;
        Assert.Equal(143, p.ExitCode);
        Assert.Equal(1, seen.Count(l => l == "[rank 0] stop 0"));
        Assert.Equal(1, seen.Count(l => l == "[rank 1] stop 1"));
        Assert.Contains("all 2 workers stopped cleanly", await err);
    }
}

/// <summary>`arbor launch -- pretrain` on real processes: the same run as one process, and a worker killed mid-run.</summary>
public class LaunchedPretrainTests : IDisposable
{
    readonly TempDirectory _temp = new("arbor-cli-ddp-");

    public void Dispose() => _temp.Dispose();

    /// <summary>A one-block DiT on the Shapes world: a step takes milliseconds.</summary>
    string Config(int steps)
    {
        var path = Path.Combine(_temp.Path, $"tiny-{steps}.yaml");
        File.WriteAllText(path, $"""
            seed: 0
            model: {"{"} image_size: 32, patch_size: 8, dim: 32, depth: 1, heads: 2, mlp_ratio: 2,
              text: {"{"} max_tokens: 16, dim: 16, depth: 1, heads: 2 {"}"} {"}"}
            data: {"{"} world: shapes {"}"}
            train: {"{"} steps: {steps}, batch_size: 8, learning_rate: 1.0e-3, warmup_steps: 2, ema_decay: 0.9 {"}"}
            eval: {"{"} every: 0, prompts_per_family: 1, steps: 2 {"}"}
            checkpoint_every: 4
            log_every: 1
            """);
        return path;
    }



    static double[] Losses(string run) =>
        [.. File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("kind").GetString() == "train").Select(r => r.GetProperty("loss").GetDouble())];

    string[] Launch(string config, string run, params string[] more) =>
        ["launch", "--nproc-per-node", "2", "--master-port", $"{Ports.Free()}", "--grace-seconds", "5", "--", "pretrain", "--config",
            config, "--out", run, "--quiet", .. more];

    [Fact]
    public void TwoLaunchedRanksPretrainAsOneProcessDoes()
    {
        var config = Config(8);
        var (one, two) = (Path.Combine(_temp.Path, "one"), Path.Combine(_temp.Path, "two"));
        var single = Run(ArborCommand("pretrain", "--config", config, "--out", one, "--quiet"));
        Assert.True(single.Code == 0, single.Err);
        var launched = Run(ArborCommand(Launch(config, two)));
        Assert.True(launched.Code == 0, launched.Err);

        var (a, b) = (Losses(one), Losses(two));
        Assert.Equal(8, b.Length);
        // float32 sums in another order (two means of 4 rows, then their weighted sum): measured 1e-7 relative
        for (int i = 0; i < a.Length; i++) Assert.True(Math.Abs(a[i] - b[i]) <= 1e-5 * a[i], $"step {i + 1}: {a[i]:R} vs {b[i]:R}");
        Assert.True(File.Exists(Path.Combine(two, "model", "model.safetensors")));
    }

    [Fact]
    public async Task AWorkerKilledMidRunStopsTheJobAndAResumeFinishesItAsAnUninterruptedRun()
    {
        var config = Config(120);
        var (whole, killed) = (Path.Combine(_temp.Path, "whole"), Path.Combine(_temp.Path, "killed"));
        var uninterrupted = Run(ArborCommand(Launch(config, whole)));
        Assert.True(uninterrupted.Code == 0, uninterrupted.Err);

        // kill -9 rank 1 once rank 0 has checkpointed (step 4 or later); rank 1 is found by its RANK variable
        var start = ArborCommand(Launch(config, killed));
        using var launcher = Process.Start(start)!;
        var stderr = launcher.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = launcher.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var checkpoint = Path.Combine(killed, "checkpoint");
        var clock = Stopwatch.StartNew();
        while (!Directory.Exists(checkpoint) && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(20);
        int rank1 = WorkerPid(killed, rank: 1);
        Process.GetProcessById(rank1).Kill();
        await launcher.WaitForExitAsync(TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        Assert.NotEqual(0, launcher.ExitCode);
        Assert.Contains("rank 1 failed (exit code 137, signal 9)", await stderr);
        await stdout;

        var resumed = Run(ArborCommand(Launch(config, killed, "--resume")));
        Assert.True(resumed.Code == 0, resumed.Err);
        // the same world size continues exactly: same reduction order, same draws
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "model", "model.safetensors")),
            File.ReadAllBytes(Path.Combine(killed, "model", "model.safetensors")));
        Assert.Equal(Losses(whole), Losses(killed));
    }

    /// <summary>The pid of the worker of <paramref name="rank"/> whose command line names <paramref name="run"/>.</summary>
    internal static int WorkerPid(string run, int rank)
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            try
            {
                var cmdline = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (!cmdline.Contains(run) || cmdline.Contains("launch")) continue;
                var env = File.ReadAllText(Path.Combine(dir, "environ")).Split('\0');
                if (env.Contains($"RANK={rank}")) return pid;
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        throw new InvalidOperationException($"no worker of rank {rank} for {run}");
    }
}

/// <summary>`arbor launch -- train` on real processes: data-parallel RL equals
/// one process, and a stop request stops every rank at one iteration.</summary>
public partial class LaunchedTrainTests : IDisposable
{
    readonly TempDirectory _temp = new("arbor-cli-ddp-train-");

    public void Dispose() => _temp.Dispose();

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    string Config(string strategy, int iterations)
    {
        var model = Path.Combine(_temp.Path, "base");
        if (!Directory.Exists(model))
        {
            using (var gen = new global::Arbor.Tensors.Generator(7))
            using (var pipeline = global::Arbor.Pipelines.TextToImagePipeline.Create(new global::Arbor.Models.DiTConfig
            {
                ImageSize = 16, PatchSize = 4, Dim = 32, Depth = 1, Heads = 2, MlpRatio = 2,
                Text = new global::Arbor.Models.TextEncoderConfig { MaxTokens = 16, Dim = 16, Depth = 1, Heads = 2 }
            }, new global::Arbor.Text.WordTokenizer(global::Arbor.Shapes.ShapesVocabulary.Words), gen))
            {
                pipeline.Save(model);
            }
        }
        var path = Path.Combine(_temp.Path, $"{strategy}-{iterations}.yaml");
        File.WriteAllText(path, $"""
            model: {model}
            strategy: {strategy}
            flow_grpo: {"{"} steps: 3, group_size: 3 {"}"}
            tree_grpo: {"{"} steps: 3, branching: 2, depth: 2 {"}"}
            rollout: {"{"} guidance: 1.0 {"}"}
            reward: {"{"} names: [jpeg_compressibility] {"}"}
            optim: {"{"} learning_rate: 1.0e-3 {"}"}
            train: {"{"} iterations: {iterations}, prompts_per_iteration: 4, checkpoint_every: 2 {"}"}
            eval: {"{"} every: 0, prompts_per_family: 1, steps: 2, cache_base: false {"}"}
            split: {"{"} test_prompts_per_family: 2, rl_prompts_per_family: 3 {"}"}
            """);
        return path;
    }



    static List<System.Text.Json.JsonElement> TrainLines(string run) =>
        [.. File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("kind").GetString() == "train")];

    static string[] Launch(params string[] worker) =>
        ["launch", "--nproc-per-node", "2", "--master-port", $"{Ports.Free()}", "--grace-seconds", "10", "--", .. worker];

    [Theory]
    [InlineData("flow_grpo")]
    [InlineData("tree_grpo")]
    public void TwoLaunchedRanksTrainAsOneProcessDoes(string strategy)
    {
        var config = Config(strategy, 3);
        var (one, two) = (Path.Combine(_temp.Path, $"{strategy}-one"), Path.Combine(_temp.Path, $"{strategy}-two"));
        var single = Run(ArborCommand("train", "--config", config, "--out", one));
        Assert.True(single.Code == 0, single.Err);
        var launched = Run(ArborCommand(Launch("train", "--config", config, "--out", two)));
        Assert.True(launched.Code == 0, launched.Err);
        Assert.Contains("[rank 1] arbor train", launched.Out);
        Assert.DoesNotContain("[rank 1] iter ", launched.Out);   // rank 0 alone reports

        var (a, b) = (TrainLines(one), TrainLines(two));
        Assert.Equal(3, b.Count);
        for (int i = 0; i < a.Count; i++)
        {
            foreach (var key in new[] { "images", "nfe", "trained_edges" })
                Assert.Equal(a[i].GetProperty(key).GetInt64(), b[i].GetProperty(key).GetInt64());
            double ra = a[i].GetProperty("reward_mean").GetDouble(), rb = b[i].GetProperty("reward_mean").GetDouble();
            Assert.True(Math.Abs(ra - rb) <= 1e-4 * Math.Abs(ra), $"iteration {i + 1}: reward {ra:R} vs {rb:R}");
            double ga = a[i].GetProperty("grad_norm").GetDouble(), gb = b[i].GetProperty("grad_norm").GetDouble();
            Assert.True(Math.Abs(ga - gb) <= 1e-3 * ga, $"iteration {i + 1}: grad norm {ga:R} vs {gb:R}");
        }
        Assert.True(File.Exists(Path.Combine(two, "final", "lora.safetensors")) || Directory.Exists(Path.Combine(two, "final")));
    }

    [Fact]
    public async Task TwoNodesOnOneMachineTrainTogether()
    {
        // two launchers as two machines would run them (--nnodes 2, their own --node-rank, node 0 as master), one rank each
        var config = Config("flow_grpo", 2);
        var (one, two) = (Path.Combine(_temp.Path, "nodes-one"), Path.Combine(_temp.Path, "nodes-two"));
        var single = Run(ArborCommand("train", "--config", config, "--out", one));
        Assert.True(single.Code == 0, single.Err);
        var port = $"{Ports.Free()}";
        string[] Node(int rank) => ["launch", "--nnodes", "2", "--node-rank", $"{rank}", "--nproc-per-node", "1", "--master-addr",
            "127.0.0.1", "--master-port", port,
            "--", "train", "--config", config, "--out", two];
        var nodes = await Task.WhenAll(RunAsync(ArborCommand(Node(0))), RunAsync(ArborCommand(Node(1))));
        Assert.All(nodes, n => Assert.True(n.Code == 0, n.Err));
        Assert.Contains("[rank 0] iter 2/2", nodes[0].Out);
        Assert.Contains("[rank 1] arbor train", nodes[1].Out);
        var (a, b) = (TrainLines(one), TrainLines(two));
        Assert.Equal(a.Select(l => l.GetProperty("images").GetInt64()), b.Select(l => l.GetProperty("images").GetInt64()));
        Assert.All(b, l => Assert.Equal(2, l.GetProperty("world_size").GetInt32()));
        for (int i = 0; i < a.Count; i++)
            Assert.Equal(a[i].GetProperty("reward_mean").GetDouble(), b[i].GetProperty("reward_mean").GetDouble(), 4);
    }

    [Fact]
    public async Task AKilledRankStopsTheJobAndAResumeWithTheSameWorldSizeContinuesExactly()
    {
        var config = Config("flow_grpo", 12);
        var (whole, killed) = (Path.Combine(_temp.Path, "whole"), Path.Combine(_temp.Path, "killed"));
        var uninterrupted = Run(ArborCommand(Launch("train", "--config", config, "--out", whole)));
        Assert.True(uninterrupted.Code == 0, uninterrupted.Err);

        using (var launcher = Process.Start(ArborCommand(Launch("train", "--config", config, "--out", killed)))!)
        {
            var stderr = launcher.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            // after the checkpoint at iteration 4 (checkpoint_every 2), kill -9 rank 1
            int iterations = 0;
            while (iterations < 5 && await launcher.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
                if (line.StartsWith("[rank 0] iter ")) iterations++;
            Process.GetProcessById(LaunchedPretrainTests.WorkerPid(killed, rank: 1)).Kill();
            var rest = launcher.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            await launcher.WaitForExitAsync(TestContext.Current.CancellationToken)
                .WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
            await rest;
            Assert.Contains("rank 1 failed (exit code 137, signal 9)", await stderr);
        }
        var resumed = Run(ArborCommand(Launch("train", "--config", config, "--out", killed, "--resume")));
        Assert.True(resumed.Code == 0, resumed.Err);
        var finals = Directory.GetFiles(Path.Combine(whole, "final")).Select(Path.GetFileName).ToList();
        Assert.NotEmpty(finals);
        foreach (var file in finals)
            Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "final", file!)), File.ReadAllBytes(Path.Combine(killed, "final", file!)));
        static string[] Rewards(string run) => [.. TrainLines(run).Select(l => l.GetProperty("reward_mean").GetDouble().ToString("R"))];
        Assert.Equal(Rewards(whole), Rewards(killed));
    }

    [Fact]
    public async Task SigtermToTheLauncherStopsBothRanksAtOneIterationWithACheckpoint()
    {
        var config = Config("flow_grpo", 100000);
        var run = Path.Combine(_temp.Path, "stopped");
        using var launcher = Process.Start(ArborCommand(Launch("train", "--config", config, "--out", run)))!;
        var stderr = launcher.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        int iterations = 0;
        while (iterations < 2 && await launcher.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken) is { } line)
            if (line.StartsWith("[rank 0] iter ")) iterations++;
        Assert.Equal(0, Kill(launcher.Id, 15));
        var rest = launcher.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await launcher.WaitForExitAsync(TestContext.Current.CancellationToken)
            .WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
        await rest;
        Assert.True(launcher.ExitCode == 143, await stderr);
        Assert.Contains("all 2 workers stopped cleanly", await stderr);
        var state = File.ReadAllText(Path.Combine(run, "checkpoint", "state.json"));
        long done = System.Text.Json.JsonDocument.Parse(state).RootElement.GetProperty("Iterations").GetInt64();
        Assert.Equal(done, TrainLines(run).Count);   // every logged iteration is in the checkpoint
    }
}
