using Arbor.Advantages;
using Arbor.Rewards;
using Arbor.Rollouts;
using Arbor.Strategies;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;
using Arbor.TestKit;
using Arbor.Training;

namespace Arbor.Tests.Training;

public class GuardTests : IDisposable
{
    private readonly TempDirectory _temp = new("arbor-guard-");
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ANonFiniteGradientSkipsTheUpdateAndLeavesTheWeightsUntouched()
    {
        using var pipeline = Tests.Rollouts.RolloutEngineTests.TinyPipeline(61);
        LoraInjection.Apply(pipeline.Model, @"^blocks\.\d+\.attn\.q$", 2, 2);
        var lora = LoraInjection.LoraParameters(pipeline.Model).ToList();
        using (var s = Torch.NewScope()) using (Torch.NoGrad()) lora[0].Parameter.FillInPlace(double.NaN);
        var before = lora.Select(p => p.Parameter.ToFloatArray()).ToList();

        var strategy = new FlowGrpoStrategy(new FlowGrpoConfig { Steps = 3, GroupSize = 3 });
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0 });
        var trainer = new PolicyTrainer(pipeline, strategy.SdeStep, engine.Schedule(3), new PolicyLossConfig());
        using var opt = new AdamW(lora, new AdamWOptions { LearningRate = 1e-2 });
        using var conditioning = new PromptConditioning(pipeline, ["a circle"], 1.0);
        using var gen = new Generator(62);
        using var forest = engine.Run(["a circle"], strategy, conditioning, gen);
        var rng = new Random(1);
        foreach (var leaf in forest.Leaves) leaf.Reward = rng.NextDouble();
        EdgeAdvantages.Assign(forest, EdgeAdvantageMode.Path, [forest.Leaves.Select(l => l.Reward!.Value).ToList()],
            [1.0], new AdvantageConfig());
        var stats = trainer.Update(forest, conditioning, opt);
        Assert.Equal(1, stats.SkippedUpdates);
        Assert.False(double.IsFinite(stats.GradNorm));
        for (int i = 0; i < lora.Count; i++) Assert.Equal(before[i], lora[i].Parameter.ToFloatArray());
    }

    [Fact]
    public void ARewardServerThatIsDownFailsClearlyAndKeepsTheCheckpointAndLogs()
    {
        var model = GrpoTrainerTests.SaveTinyBaseInto(_temp.Path);
        var run = Path.Combine(_temp.Path, "run");
        var config = GrpoTrainerTests.Config(model, 4);
        new GrpoTrainer(config, run).Run(resume: false, stopAfter: 2, cancel: TestContext.Current.CancellationToken);
        var metricsBefore = File.ReadAllText(Path.Combine(run, "metrics.jsonl"));
        var checkpointBefore = File.ReadAllBytes(Path.Combine(run, "checkpoint", "lora.safetensors"));

        int port = Arbor.TestKit.Ports.Free();
        var down = config with
        {
            Reward = new RewardConfig
            {
                Names = ["remote"],
                Remote = new RemoteRewardConfig { Url = $"http://127.0.0.1:{port}", Retries = 1, BackoffSeconds = 0.01 }
            }
        };
        var e = Assert.Throws<RewardServerException>(() =>
            new GrpoTrainer(down, run).Run(resume: true, cancel: TestContext.Current.CancellationToken));
        Assert.Contains($"127.0.0.1:{port}", e.Message);
        Assert.StartsWith(metricsBefore, File.ReadAllText(Path.Combine(run, "metrics.jsonl")));
        Assert.Equal(checkpointBefore, File.ReadAllBytes(Path.Combine(run, "checkpoint", "lora.safetensors")));
        // and the run resumes from that checkpoint once the reward is back
        new GrpoTrainer(config, run).Run(resume: true, cancel: TestContext.Current.CancellationToken);
        Assert.True(File.Exists(Path.Combine(run, "final", "lora.safetensors")));
    }

    [Fact]
    public void AMissingRewardServerFailsTheRunWithinSecondsBeforeAnythingIsRolledOut()
    {
        var model = GrpoTrainerTests.SaveTinyBaseInto(_temp.Path);
        var run = Path.Combine(_temp.Path, "run");
        var url = $"http://127.0.0.1:{Arbor.TestKit.Ports.Free()}";
        var config = GrpoTrainerTests.Config(model, 3) with
        {
            Reward = new RewardConfig
            {
                Names = ["remote"],
                Remote = new RemoteRewardConfig { Url = url, Retries = 2, BackoffSeconds = 0.05 }
            },
        };
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = Assert.Throws<RewardServerException>(() =>
            new GrpoTrainer(config, run).Run(resume: false, cancel: TestContext.Current.CancellationToken));
        Assert.True(clock.Elapsed.TotalSeconds < 10, $"took {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Contains($"reward server {url} failed 3 times at GET /health (the health check); last error: Connection refused", e.Message);
        // checked before the run directory was prepared: no evaluation, no rollout, nothing logged
        Assert.False(File.Exists(Path.Combine(run, "metrics.jsonl")));
        Assert.False(Directory.Exists(Path.Combine(run, "checkpoint")));
    }

    [Fact]
    public async Task ARunWithARemoteRewardPassesTheHealthCheckOfTheReferenceServerAndTrains()
    {
        var model = GrpoTrainerTests.SaveTinyBaseInto(_temp.Path);
        var run = Path.Combine(_temp.Path, "run");
        await using var server = await RewardServer.StartAsync(new JpegCompressibilityReward());
        var config = GrpoTrainerTests.Config(model, 1) with
        {
            Reward = new RewardConfig { Names = ["remote"], Remote = new RemoteRewardConfig { Url = server.Url } },
        };
        new GrpoTrainer(config, run).Run(resume: false, cancel: TestContext.Current.CancellationToken);
        Assert.Single(File.ReadAllLines(Path.Combine(run, "metrics.jsonl")), l => l.Contains("\"train\""));
        Assert.True(File.Exists(Path.Combine(run, "final", "lora.safetensors")));
    }

    [Fact]
    public void TrainingIntoAnExistingRunWithoutResumeIsRefusedAndLeavesItWhole()
    {
        var model = GrpoTrainerTests.SaveTinyBaseInto(_temp.Path);
        var run = Path.Combine(_temp.Path, "run");
        var config = GrpoTrainerTests.Config(model, 1);
        new GrpoTrainer(config, run).Run(resume: false, cancel: TestContext.Current.CancellationToken);
        var metrics = File.ReadAllText(Path.Combine(run, "metrics.jsonl"));
        var final = File.ReadAllBytes(Path.Combine(run, "final", "lora.safetensors"));
        var e = Assert.Throws<Arbor.Runs.OutputPathException>(() =>
            new GrpoTrainer(config with { Seed = 9 }, run).Run(resume: false, cancel: TestContext.Current.CancellationToken));
        Assert.Contains("--resume", e.Message);
        Assert.Contains("--overwrite", e.Message);
        Assert.Equal(metrics, File.ReadAllText(Path.Combine(run, "metrics.jsonl")));
        Assert.Equal(final, File.ReadAllBytes(Path.Combine(run, "final", "lora.safetensors")));
        // deliberately replaced: a new run's history only
        new GrpoTrainer(config with { Seed = 9 }, run).Run(resume: false, overwrite: true, cancel: TestContext.Current.CancellationToken);
        Assert.NotEqual(final, File.ReadAllBytes(Path.Combine(run, "final", "lora.safetensors")));
    }
}
