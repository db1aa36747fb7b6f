using Arbor.Advantages;
using Arbor.Models;
using Arbor.Rewards;
using Arbor.Rollouts;
using Arbor.Sampling.Steps;
using Arbor.Strategies;
using Arbor.Strategies.DynamicTree;
using Arbor.Tensors;
using Arbor.Tensors.Optim;
using Arbor.Training;

namespace Arbor.Tests.Rollouts;

/// <summary>A reward any policy can learn quickly: how much redder than blue the image is (in [−1, 1]).</summary>
internal sealed class RednessReward : IRewardFunction
{
    public string Name => "redness";
    public Task<RewardScores> ScoreAsync(RewardBatch batch, CancellationToken cancel = default) =>
        Task.FromResult(RewardScores.Of(batch.Images.Select(img =>
        {
            double s = 0;
            for (int i = 0; i < img.Pixels.Length; i += 3) s += img.Pixels[i] - img.Pixels[i + 2];
            return s / (img.Pixels.Length / 3) / 255.0;
        }).ToArray()));
}

public class GrpoIterationTests
{
    [Fact]
    public void TheFirstUpdateOfAnIterationHasRatioExactlyOne()
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(11);
        var strategy = new FlowGrpoStrategy(new FlowGrpoConfig { Steps = 4, GroupSize = 4 });
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 2.0 });
        using var opt = new AdamW(pipeline.Model.NamedParameters(trainableOnly: true), new AdamWOptions { LearningRate = 1e-4 });
        using var gen = new Generator(12);
        var report = FirstIteration(pipeline, strategy, engine, opt, gen);
        Assert.Equal(1.0, report.Update.RatioMean);
        Assert.Equal(0.0, report.Update.RatioStd);
        Assert.Equal(0.0, report.Update.ApproxKl);
        Assert.Equal(0.0, report.Update.ClipFraction);
        Assert.Equal(8 * 3, report.Update.Edges);
        Assert.True(double.IsFinite(report.Update.GradNorm) && report.Update.GradNorm > 0);

        // other chunkings change OpenBLAS's summation order: equal to rounding, not bit for bit
        var chunked = new PolicyTrainer(pipeline, strategy.SdeStep, engine.Schedule(4), new PolicyLossConfig { MaxBatch = 3 });
        var report2 = new GrpoIteration(pipeline, strategy, engine, new RednessReward(), new AdvantageConfig(), chunked, opt)
            .Run(1, ["a red circle"], gen, new Random(1));
        Assert.True(Math.Abs(report2.Update.RatioMean - 1) < 1e-6, $"ratio {report2.Update.RatioMean}");
    }

    /// <summary>Iteration 0 of Flow-GRPO on two prompts, training in the rollout's
    /// chunks (the default): the recompute is bit for bit the rollout's.</summary>
    private static IterationReport FirstIteration(Arbor.Pipelines.TextToImagePipeline pipeline, FlowGrpoStrategy strategy,
        RolloutEngine engine, AdamW opt, Generator gen)
    {
        var trainer = new PolicyTrainer(pipeline, strategy.SdeStep, engine.Schedule(4), new PolicyLossConfig());
        var loop = new GrpoIteration(pipeline, strategy, engine, new RednessReward(), new AdvantageConfig(), trainer, opt);
        return loop.Run(0, ["a red circle", "a blue square"], gen, new Random(0));
    }

    [Fact]
    public void InBf16TheFirstUpdateStillHasRatioExactlyOneAndTheRolloutIsBf16s()
    {
        // the rollout and the training recomputation run the same bf16 products on the same chunks: ρ = 1 bit for bit
        double RewardOfFirstIteration(Precision precision, bool assertRatio)
        {
            using var pipeline = RolloutEngineTests.TinyPipeline(11);
            var strategy = new FlowGrpoStrategy(new FlowGrpoConfig { Steps = 4, GroupSize = 4 });
            var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 2.0 });
            using var opt = new AdamW(pipeline.Model.NamedParameters(trainableOnly: true), new AdamWOptions { LearningRate = 1e-4 });
            using var gen = new Generator(12);
            using var scope = ComputePrecision.Use(precision);
            var report = FirstIteration(pipeline, strategy, engine, opt, gen);
            if (assertRatio)
            {
                Assert.Equal(1.0, report.Update.RatioMean);
                Assert.Equal(0.0, report.Update.RatioStd);
                Assert.Equal(0.0, report.Update.ApproxKl);
                Assert.True(double.IsFinite(report.Update.GradNorm) && report.Update.GradNorm > 0);
            }
            return report.RewardMean;
        }
        double bf16 = RewardOfFirstIteration(Precision.Bf16, assertRatio: true);
        // the same seeds in fp32 roll out other images: the bf16 scope reached the rollout's products
        Assert.NotEqual(RewardOfFirstIteration(Precision.Fp32, assertRatio: false), bf16);
        Assert.Equal(Precision.Fp32, ComputePrecision.Current);
    }

    /// <summary>30 iterations of a tiny run of a flat baseline (T = 4, G = 6) on
    /// the redness reward: the mean reward of the first and last 5.</summary>
    private static (double First, double Last) TinyRun(string strategyName, bool shuffleRewards = false,
        bool checkMemory = false, int branching = 1,
        LayerTuningForm form = LayerTuningForm.LeafNft, ModelKind kind = ModelKind.Flow, int iterations = 30) =>
        TinyRunWithSignal(strategyName, shuffleRewards, checkMemory, branching, form, kind, iterations).Rewards;

    /// <summary><see cref="TinyRun"/> with the signal meter of every iteration.</summary>
    private static ((double First, double Last) Rewards, List<double> Signals) TinyRunWithSignal(string strategyName,
        bool shuffleRewards = false, bool checkMemory = false,
        int branching = 1, LayerTuningForm form = LayerTuningForm.LeafNft, ModelKind kind = ModelKind.Flow, int iterations = 30)
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(13, kind);
        using var iteration = new TinyIteration(pipeline, TinyConfig(strategyName, shuffleRewards, branching, form, kind));
        var loop = iteration.Loop;
        using var gen = new Generator(14);
        var random = new Random(1);
        var rewards = new List<double>();
        var signals = new List<double>();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long baseline = Torch.UnreleasedTensors;
        for (int it = 0; it < iterations; it++)
        {
            var report = loop.Run(it, ["a red circle", "a blue square"], gen, random);
            rewards.Add(report.RewardMean);
            signals.Add(report.Update.Signal);
        }
        if (checkMemory)
            Assert.True(baseline == Torch.UnreleasedTensors, $"{Torch.UnreleasedTensors - baseline} tensors more than before the run");
        return ((rewards.Take(5).Average(), rewards.TakeLast(5).Average()), signals);
    }

    /// <summary>The tiny runs' config (T = 4, G = 6, two minibatches) of <paramref name="strategyName"/> for a model of
    /// <paramref name="kind"/>.</summary>
    private static GrpoTrainConfig TinyConfig(string strategyName, bool shuffleRewards = false, int branching = 1,
        LayerTuningForm form = LayerTuningForm.LeafNft, ModelKind kind = ModelKind.Flow)
    {
        // on an ε-model every strategy is the same; its stochastic step is DDIM with η = 1 (DDPO's), its ODE steps DDIM η = 0
        bool eps = kind == ModelKind.Epsilon;
        var sde = eps ? SdeKind.Ddim : SdeKind.Flow;
        double level = eps ? 1.0 : 0.7;
        return new GrpoTrainConfig
        {
            Strategy = strategyName,
            FlowGrpo = new FlowGrpoConfig { Steps = 4, GroupSize = 6, SdeKind = sde, NoiseLevel = level },
            DanceGrpo = new DanceGrpoConfig { Steps = 4, GroupSize = 6, SdeKind = eps ? SdeKind.Ddim : null, Eta = eps ? 1.0 : 0.3 },
            MixGrpo = new MixGrpoConfig { Steps = 4, GroupSize = 6, Window = 2, ShiftEvery = 10, SdeKind = sde, NoiseLevel = level },
            // branching 2 at step 0: the forward-process methods on tree rollouts, 3 trees of 2 leaves per prompt
            Nft = new NftConfig
            {
                Steps = 4, GroupSize = 6, TimesPerImage = 2, RefWeight = 0, Branching = branching, BranchDepth = 1, SdeKind = sde,
                NoiseLevel = level, LossSpace = eps ? NftLossSpace.Prediction : NftLossSpace.X0   // as configs/nft-eps.yaml
            },
            Awm = new AwmConfig
            {
                Steps = 4, GroupSize = 6, TimesPerImage = 2, KlWeight = 0, Branching = branching, BranchDepth = 1, SdeKind = sde,
                NoiseLevel = level
            },
            // Dynamic-TreeRPO with LayerTuning-RL v2 (b, the leaf NFT term beside the policy gradient; or c, path SFT): 4 leaves per tree
            DynamicTree = new DynamicTreeConfig
            {
                Steps = 4, Depth = 2, LastWindowStart = 1, NumTrees = 2, LayerTuning = true,
                LayerTuningForm = form, LayerTuningWeight = 1.0, SdeKind = sde, NoiseLevel = level,
                LayerTuningLossSpace = eps && form == LayerTuningForm.LeafNft ? NftLossSpace.Prediction : NftLossSpace.X0
            },
            Loss = new PolicyLossConfig { ClipRange = 1e-3, UpdatesPerIteration = 2 },
            Advantage = new AdvantageConfig { ShuffleRewards = shuffleRewards },
        };
    }

    [Theory]
    [InlineData("flow_grpo")]
    [InlineData("mix_grpo")]
    [InlineData("dynamic_tree")]
    public void OnAnEpsilonModelTheFirstUpdateHasRatioExactlyOne(string name)
    {
        // DDIM's log-probabilities recomputed in training equal the rollout's bit for bit, depth-scaled σ included
        using var pipeline = RolloutEngineTests.TinyPipeline(11, ModelKind.Epsilon);
        var config = TinyConfig(name, kind: ModelKind.Epsilon);
        config = config with
        {
            Loss = config.Loss with { UpdatesPerIteration = 1 },
            DynamicTree = config.DynamicTree with { LayerTuning = false },
        };
        using var iteration = new TinyIteration(pipeline, config);
        using var gen = new Generator(12);
        var report = iteration.Loop.Run(0, ["a red circle", "a blue square"], gen, new Random(0));
        Assert.True(report.Update.Edges > 0);
        Assert.Equal(1.0, report.Update.RatioMean);
        Assert.Equal(0.0, report.Update.RatioStd);
        Assert.Equal(0.0, report.Update.ApproxKl);
        Assert.Equal(0.0, report.Update.ClipFraction);
        Assert.True(double.IsFinite(report.Update.GradNorm) && report.Update.GradNorm > 0);
    }

    /// <summary>The signal meter of every iteration of a tiny flat-baseline run.</summary>
    internal static ((double First, double Last) Rewards, List<double> Signals) SignalsOf(string name, bool shuffleRewards) =>
        TinyRunWithSignal(name, shuffleRewards);

    [Theory]
    [InlineData("flow_grpo")]
    [InlineData("dance_grpo")]
    [InlineData("mix_grpo")]
    [InlineData("nft")]
    [InlineData("awm")]
    [InlineData("nft", 2)]
    [InlineData("awm", 2)]
    [InlineData("dynamic_tree")]
    [InlineData("dynamic_tree", 1, LayerTuningForm.PathSft)]
    // On the ε fixture (fitted to solid colours, DDPM's schedule; RolloutEngineTests.TinyPipeline) the policy-gradient
    // strategies and awm pass as on the flow fixture; nft and dynamic_tree's leaf NFT term pass with their errors in
    // prediction space (as configs/nft-eps.yaml and dynamic-treerpo-eps.yaml). In x0 space (the paper's) they did not:
    // nft real −0.104 → −0.059, shuffled −0.202 → −0.082; the leaf term 0.046 → 0.034, shuffled 0.080 → 0.001: NFT's
    // x0-space error weighs an ε-model's times by |∂x̂0/∂ε̂| = sqrt((1 − ᾱ)/ᾱ), 157 at t = 1, where the fixture's ε̂ is
    // least precise and x0 least visible (docs/DESIGN.md). Left out: dance_grpo, whose null control drifts (real 0.306 →
    // 0.645, shuffled 0.061 → 0.295), as its unanchored update does on the flow base over long runs.
    [InlineData("flow_grpo", 1, LayerTuningForm.LeafNft, ModelKind.Epsilon)]      // DDPO: flat DDIM trajectories
    [InlineData("mix_grpo", 1, LayerTuningForm.LeafNft, ModelKind.Epsilon)]
    [InlineData("awm", 1, LayerTuningForm.LeafNft, ModelKind.Epsilon)]
    [InlineData("dynamic_tree", 1, LayerTuningForm.PathSft, ModelKind.Epsilon)]
    [InlineData("nft", 1, LayerTuningForm.LeafNft, ModelKind.Epsilon)]            // errors in prediction space
    [InlineData("dynamic_tree", 1, LayerTuningForm.LeafNft, ModelKind.Epsilon)]   // its leaf NFT term in prediction space
    public void ATinyRunOfEachStrategyRaisesTheRewardAndItsNullControlDoesNot(string name, int branching = 1,
        LayerTuningForm form = LayerTuningForm.LeafNft, ModelKind kind = ModelKind.Flow)
    {
        // the sign check of each baseline's own SDE step and trained-step choice, on a reward any policy can learn.
        // The null control keeps the updates' size and statistics and removes their information: what is left is
        // drift (measured: flow_grpo 0.19 → 0.98, shuffled 0.03 → 0.19, learning rate 0: 0.03 → 0.05; dance_grpo
        // 0.11 → 0.67, shuffled 0.01 → −0.10; mix_grpo 0.17 → 0.98, shuffled 0.05 → −0.13)
        var (first, last) = TinyRun(name, checkMemory: true, branching: branching, form: form, kind: kind);
        var (nullFirst, nullLast) = TinyRun(name, shuffleRewards: true, branching: branching, form: form, kind: kind);
        Assert.True(last > first + 0.05, $"{name} ({kind}): reward {first:F3} → {last:F3}");
        Assert.True(nullLast - nullFirst < (last - first) / 3,
            $"{name} ({kind}): real {first:F3} → {last:F3}, shuffled {nullFirst:F3} → {nullLast:F3}");
    }
}

public class SignalMeterTests(ITestOutputHelper output)
{
    private static (List<double> Real, List<double> Null) Readings(string name)
    {
        // NaN where undefined is left out
        var (_, real) = GrpoIterationTests.SignalsOf(name, shuffleRewards: false);
        var (_, shuffled) = GrpoIterationTests.SignalsOf(name, shuffleRewards: true);
        return (real.Where(double.IsFinite).ToList(), shuffled.Where(double.IsFinite).ToList());
    }

    private static double Se(List<double> v, double mean) => Math.Sqrt(v.Sum(s => (s - mean) * (s - mean)) / (v.Count - 1) / v.Count);

    [Fact]
    public void TheSignalMeterReadsPositiveOnALearnableRewardAndAboutZeroOnItsNullControl()
    {
        // corr(advantage, Δ log-prob) on the second minibatch's edges after the first minibatch's step
        var (real, shuffled) = Readings("flow_grpo");
        Assert.Equal(30, real.Count);
        Assert.Equal(30, shuffled.Count);
        Assert.All(real.Concat(shuffled), s => Assert.InRange(s, -1, 1));
        // measured: learnable 0.16 (SE 0.04), null control 0.02 (SE 0.04) over 30 iterations (with per-prompt rollout noise and
        // per-prompt minibatch parts; 0.20 and −0.04 with the earlier shared stream): the gap is over 2 SE of the difference
        double realMean = real.Average(), nullMean = shuffled.Average();
        double realSe = Se(real, realMean), nullSe = Se(shuffled, nullMean);
        output.WriteLine($"signal: learnable {realMean:F3} (SE {realSe:F3}), null control {nullMean:F3} (SE {nullSe:F3})");
        Assert.True(realMean > Math.Max(0.1, 3 * realSe), $"learnable reward: mean signal {realMean:F3} (SE {realSe:F3})");
        Assert.True(Math.Abs(nullMean) < Math.Max(0.1, 3 * nullSe), $"null control: mean signal {nullMean:F3} (SE {nullSe:F3})");
        Assert.True(realMean > nullMean + 0.1, $"real {realMean:F3} vs null {nullMean:F3}");
    }

    [Theory]
    [InlineData("nft")]
    [InlineData("awm")]
    public void TheForwardProcessSignalMeterReadsOnHeldOutLeavesAndAboutZeroOnTheNullControl(string name)
    {
        // corr(advantage, ‖v_old − u‖² − ‖v_θ − u‖²) on the second part's leaves after the first part's step. In this tiny
        // run it is weak (measured: nft 0.20 (SE 0.06) learnable against −0.08 (SE 0.06) null; awm −0.03 against −0.09):
        // 6 held-out leaves per iteration. What is asserted is what must hold at any size: a reading every iteration
        // once θ and θ_old differ, in range, and no signal without the rewards' information. Before parts were whole
        // leaves, a leaf's other times in the stepped part leaked its advantage and the null read 0.15 (SE 0.06).
        var (real, shuffled) = Readings(name);
        Assert.Equal(30, real.Count);
        Assert.Equal(30, shuffled.Count);
        Assert.All(real.Concat(shuffled), s => Assert.InRange(s, -1, 1));
        double realMean = real.Average(), nullMean = shuffled.Average();
        double nullSe = Se(shuffled, nullMean);
        output.WriteLine($"{name} signal: learnable {realMean:F3} (SE {Se(real, realMean):F3}), null control " +
            $"{nullMean:F3} (SE {nullSe:F3})");
        Assert.True(Math.Abs(nullMean) < Math.Max(0.1, 3 * nullSe), $"{name} null control: mean signal {nullMean:F3} (SE {nullSe:F3})");
    }

    [Fact]
    public void TheCorrelationIsPearsonsAndNaNWithoutSpread()
    {
        // x = 1, 2, 3 and y = 2, 4, 7: mean x 2, mean y 13/3; sxy = (−1)(−7/3) + 0 + (1)(8/3) = 5, sxx = 2, syy = 49/9 + 1/9 + 64/9 = 114/9
        Assert.Equal(5 / Math.Sqrt(2 * 114.0 / 9), SignalMeter.Correlation([(1, 2), (2, 4), (3, 7)]), 12);
        Assert.True(double.IsNaN(SignalMeter.Correlation([(1, 2), (1, 4), (1, 7)])));
        Assert.True(double.IsNaN(SignalMeter.Correlation([(1, 2), (2, 4)])));
    }
}

public class PromptConditioningTests
{
    [Fact]
    public void SupervisedTermsSeeTheConditionalVelocityNotTheGuidedOne()
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(71);
        using var conditioning = new PromptConditioning(pipeline, ["a red circle"], 3.0);
        using var scope = Torch.NewScope();
        using var gen = new Generator(72);
        var x = Torch.Randn([2, 3, 8, 8], gen);
        var t = Torch.Full([2], 0.5);
        var prompt = Torch.Zeros([2], DType.Int64);
        var (guided, conditional) = conditioning.Velocities(pipeline.Model, x, t, prompt);
        using var cond = pipeline.Encode(["a red circle", "a red circle"]);
        using var empty = pipeline.Encode(["", ""]);
        var vc = pipeline.Model.Velocity(x, t, cond).ToFloatArray();
        var vu = pipeline.Model.Velocity(x, t, empty).ToFloatArray();
        var c = conditional.ToFloatArray();
        var g = guided.ToFloatArray();
        for (int i = 0; i < c.Length; i++)
        {
            Assert.True(Math.Abs(c[i] - vc[i]) < 1e-5, $"conditional {i}");
            Assert.True(Math.Abs(g[i] - (vu[i] + 3 * (vc[i] - vu[i]))) < 1e-4, $"guided {i}");
        }
    }
}
