using Arbor.Advantages;
using Arbor.Configuration;
using Arbor.Rollouts;
using Arbor.Strategies;
using Arbor.Tensors;
using Arbor.Tests.Rollouts;
using Arbor.Rewards;
using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;
using Arbor.Training;

namespace Arbor.Tests.Training;

public class ForwardProcessRolloutTests
{
    [Fact]
    public void ATreeRolloutBranchesOnlyInItsWindowAndGivesEachPromptItsGroupOfLeaves()
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(3);
        long baseline = Torch.UnreleasedTensors;
        // T = 4, k = 2 over steps [1, 3): 4 leaves per tree, 8 images per prompt = 2 trees
        var config = new NftConfig { Steps = 4, GroupSize = 8, Branching = 2, BranchDepth = 2, BranchStart = 1 };
        Assert.Empty(config.Problems());
        var strategy = new ForwardProcessStrategy("nft", config);
        Assert.Equal(2, strategy.TreesPerPrompt);
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0, MaxBatch = 8 });
        string[] prompts = ["a red circle", "a blue square"];
        using (var conditioning = new PromptConditioning(pipeline, prompts, 1.0))
        using (var gen = new Generator(4))
        using (var forest = engine.Run(prompts, strategy, conditioning, gen))
        {
            Assert.Equal(16, forest.Leaves.Count);
            Assert.Equal(4, forest.Nodes.Where(n => n.Parent is null).Count());
            Assert.Empty(forest.TrainedEdges);
            Assert.All(forest.Nodes.Where(n => n.Children.Count > 1), n => Assert.InRange(n.Step, 1, 2));
            Assert.All(forest.Edges, e => Assert.Equal(e.Step is 1 or 2, e.Stochastic));
            // per tree, one forward per node (children share μ): the root, 1 then 2 branching nodes, 4 nodes' last ODE step
            // (CFG off); flat rollouts of 8 images would take 8·4
            Assert.Equal(2L * 2 * (1 + 1 + 2 + 4), forest.Stats.ModelForwards);

            var rewards = forest.Leaves.Select((l, i) => (double)(i % 3)).ToList();
            var a = EdgeAdvantages.Assign(forest, strategy.AdvantageMode, [rewards], [1.0], new AdvantageConfig());
            Assert.Equal(16, a.Values.Length);
            Assert.All(forest.Edges, e => Assert.Equal(0.0, e.Advantage));        // leaves only: the loss reads no edge
            foreach (var p in new[] { 0, 1 })                                       // each prompt's 8 leaves are one group
                Assert.Equal(0.0, forest.Leaves.Select((l, i) => (l, i)).Where(x => x.l.Prompt == p).Sum(x => a.Values[x.i]), 9);
        }
        Assert.Equal(baseline, Torch.UnreleasedTensors);
    }

    [Fact]
    public void ATreeThatDoesNotFitTheGroupOrTheScheduleIsAConfigErrorNamingIt()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: nft\nlora:\n  enabled: true\nnft:\n  group_size: 6\n  branching: 2\n  branch_depth: 2\n", "t.yaml"));
        Assert.Contains("nft.group_size 6 must be a multiple of the 4 leaves of a tree", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: awm\nlora:\n  enabled: true\nawm:\n  steps: 10\n  branching: 2\n  branch_depth: 3\n  branch_start: 8\n", "t.yaml"));
        Assert.Contains("awm: the branching window [8, 11) must lie in the 10-step schedule", e.Message);
    }
    /// <summary>
    /// The samples the plan of iteration 0 draws with <paramref name="config"/> on <paramref name="prompts"/> (rollout noise
    /// seed 6, rewards alternating 0 and 1, trainer seed 7).
    /// </summary>
    private static List<ForwardProcessTrainer.Sample> SamplesDrawn(Arbor.Pipelines.TextToImagePipeline pipeline, RolloutEngine engine,
        Arbor.Sampling.TimeSchedule schedule, string[] prompts, PromptConditioning conditioning, NftConfig config)
    {
        Assert.Empty(config.Problems());
        var strategy = new ForwardProcessStrategy("nft", config);
        using var gen = new Generator(6);
        using var forest = engine.Run(prompts, strategy, conditioning, gen);
        var rewards = forest.Leaves.Select((l, i) => (double)(i % 2)).ToList();
        var a = EdgeAdvantages.Assign(forest, strategy.AdvantageMode, [rewards], [1.0], new AdvantageConfig());
        using var trainer = new ForwardProcessTrainer(pipeline, config, new NftLoss(config, 5), schedule, new PolicyLossConfig(), 7);
        var plan = trainer.Plan(0, forest, a, conditioning);
        Assert.Equal(plan.Drawn.Count, plan.Samples);
        return [.. plan.Drawn];
    }

    [Fact]
    public void AntitheticNoiseTrainsEveryCopyAtItsNoiseAndAtItsNegation()
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(5);
        var schedule = Arbor.Sampling.TimeSchedule.Linear(4);
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0, MaxBatch = 8 });
        string[] prompts = ["a red circle", "a blue square"];
        using var conditioning = new PromptConditioning(pipeline, prompts, 1.0);
        long baseline = Torch.UnreleasedTensors;
        List<ForwardProcessTrainer.Sample> Drawn(bool antithetic) => SamplesDrawn(pipeline, engine, schedule, prompts, conditioning,
            new NftConfig { Steps = 4, GroupSize = 4, TimesPerImage = 2, RefWeight = 0, AntitheticNoise = antithetic });
        var plain = Drawn(false);
        var paired = Drawn(true);
        // the same draws, each followed by its twin: same image, time, advantage and noise seed, the noise negated
        Assert.Equal(2 * plain.Count, paired.Count);
        for (int i = 0; i < plain.Count; i++)
        {
            var (first, twin) = (paired[2 * i], paired[(2 * i) + 1]);
            Assert.Equal((plain[i].LeafKey, plain[i].Time, plain[i].Advantage, plain[i].NoiseSeed, false),
                (first.LeafKey, first.Time, first.Advantage, first.NoiseSeed, first.NegatedNoise));
            Assert.Equal((first.LeafKey, first.Time, first.Advantage, first.NoiseSeed, true),
                (twin.LeafKey, twin.Time, twin.Advantage, twin.NoiseSeed, twin.NegatedNoise));
        }
        using (var scope = Torch.NewScope())
        {
            var x0 = Torch.Zeros([1, 3, 16, 16]);
            var eps = ForwardProcessTrainer.SampleNoise(paired[0], x0).ToFloatArray();
            Assert.Equal(eps.Select(x => -x), ForwardProcessTrainer.SampleNoise(paired[1], x0).ToFloatArray());
            Assert.Contains(eps, x => x != 0);
        }
        Assert.Equal(baseline, Torch.UnreleasedTensors);
    }

    [Fact]
    public void TrainedStepsConfinesTheNoisedCopiesToTheFirstStepsTimes()
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(5);
        var schedule = Arbor.Sampling.TimeSchedule.Linear(4);
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0, MaxBatch = 8 });
        string[] prompts = ["a red circle", "a blue square"];
        using var conditioning = new PromptConditioning(pipeline, prompts, 1.0);
        double[] TimesDrawn(int trainedSteps, bool jitter = false) => [.. SamplesDrawn(pipeline, engine, schedule, prompts, conditioning,
            new NftConfig { Steps = 4, GroupSize = 4, TimesPerImage = 2, TrainedSteps = trainedSteps, RefWeight = 0, JitterTimes = jitter })
            .Select(sample => sample.Time)];
        var all = TimesDrawn(0);
        Assert.Equal(8 * 2, all.Length);
        Assert.Equal(schedule.Times[..4].Order(), all.Distinct().Order());     // every rollout time is drawn somewhere
        var early = TimesDrawn(2);
        Assert.Equal(8 * 2, early.Length);
        Assert.Equal([schedule.Times[1], schedule.Times[0]], early.Distinct().Order());   // t = 1 and 0.75 only, both per image

        // jittered: each copy anywhere in its step's interval (t_{k+1}, t_k], the steps themselves drawn as without jitter
        int StepOf(double t) => Enumerable.Range(0, 4).Single(k => t <= schedule.Times[k] && t > schedule.Times[k + 1]);
        foreach (int trained in new[] { 0, 2 })
        {
            var grid = TimesDrawn(trained);
            var jittered = TimesDrawn(trained, jitter: true);
            Assert.Equal(grid.Select(StepOf), jittered.Select(StepOf));
            Assert.DoesNotContain(jittered, t => schedule.Times.Contains(t));     // off the grid (a draw of u = 0 aside)
            Assert.Equal(jittered.Length, jittered.Distinct().Count());
        }

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: nft\nlora:\n  enabled: true\nnft:\n  trained_steps: 2\n  times_per_image: 3\n", "t.yaml"));
        Assert.Contains("nft.times_per_image must be in [1, trained_steps = 2]", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: nft\nlora:\n  enabled: true\nnft:\n  trained_steps: 11\n", "t.yaml"));
        Assert.Contains("nft.trained_steps must be in [0, steps = 10]", e.Message);
    }

    /// <summary>Scores the images of a batch 1, 0, 1, 0, ... whatever they show.</summary>
    private sealed class AlternatingReward : IRewardFunction
    {
        public string Name => "alternating";
        public Task<RewardScores> ScoreAsync(RewardBatch batch, CancellationToken cancel = default) =>
            Task.FromResult(RewardScores.Of(batch.Images.Select((_, i) => (double)((i + 1) % 2)).ToArray()));
    }

    [Theory]
    [InlineData(Precision.Fp32)]
    [InlineData(Precision.Bf16)]
    public void AtTheOldPolicyZeroAdvantagesGiveAZeroGradientInEitherPrecision(Precision precision)
    {
        // With r = ½ everywhere NFT's gradient is 2·(v_θ − v_old)·t²/w (NftLoss): zero at θ = θ_old only if v_old comes
        // out of the same products as v_θ. With the old policy's adapters folded (W + ΔW, one product) it would differ by
        // rounding, 1e-8 here in fp32 but 2e-3 in bf16, and the loss would train the adapter on it.
        using var pipeline = RolloutEngineTests.TinyPipeline(21);
        using (var loraGen = new Generator(3))
            LoraInjection.Apply(pipeline.Model, @"^blocks\.\d+\.(attn|cross)\.(q|kv|out)$", rank: 2, alpha: 4, loraGen);
        var lora = LoraInjection.LoraParameters(pipeline.Model).Select(p => p.Parameter).ToList();
        using (Torch.NoGrad())
        using (var gen = new Generator(4))
        using (Torch.NewScope())
        {
            foreach (var p in lora) p.CopyFrom(Torch.RandnLike(p, gen) * 0.3);   // a trained adapter (B ≠ 0): folding changes W
        }
        var nft = new NftConfig { Steps = 4, GroupSize = 4, TimesPerImage = 2, RefWeight = 0 };
        var strategy = StrategyRegistry.Create(new GrpoTrainConfig { Strategy = "nft", Nft = nft });
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0 });
        using var trainer = new ForwardProcessTrainer(pipeline, nft, new NftLoss(nft, 5), engine.Schedule(4), new PolicyLossConfig(), 0);
        using var loopGen = new Generator(22);
        using var scope = Torch.NewScope();
        using var products = ComputePrecision.Use(precision);
        using var conditioning = new PromptConditioning(pipeline, ["a red circle"], 1.0);
        using var forest = engine.Run(["a red circle"], strategy, conditioning, loopGen);
        int n = forest.Leaves.Count;
        var plan = trainer.Plan(0, forest, new AdvantageResult(new double[n], [.. Enumerable.Repeat(true, n)], 1, 0), conditioning);
        Assert.Equal(n * nft.TimesPerImage, plan.Samples);
        plan.Backward(0, 1);
        double gradNorm = Math.Sqrt(lora.Sum(p => p.Grad!.Square().Sum().Item()));
        Assert.Equal(0, gradNorm);
    }

    /// <summary>The gradient norm of the first update of nft on one tree of four identical leaves (noise level 0).</summary>
    private static double FirstGradNorm(bool sharedNoise) =>
        FirstUpdate(new NftConfig
        {
            Steps = 4, GroupSize = 4, TimesPerImage = 2, RefWeight = 0, Branching = 2, BranchDepth = 2, NoiseLevel = 0,
            SharedTrainingNoise = sharedNoise
        }, guidance: 1.0).GradNorm;

    /// <summary>The first update of nft with <paramref name="nft"/>, rollouts
    /// at <paramref name="guidance"/>, alternating rewards; with <paramref name="credit"/>, that dense credit; with
    /// <paramref name="checkLiveTensors"/>, a second iteration that must leave the live-tensor count where it was.</summary>
    private static PolicyUpdateStats FirstUpdate(NftConfig nft, double guidance, IPixelCredit? credit = null,
        bool checkLiveTensors = false)
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(21);
        var config = new GrpoTrainConfig { Strategy = "nft", Nft = nft };
        var strategy = StrategyRegistry.Create(config);
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = guidance });
        var loss = new NftLoss(nft, config.Advantage.AdvantageClip);
        var trainer = credit is null
            ? PolicyUpdates.Create(config, pipeline, strategy, engine)
            : new ForwardProcessTrainer(pipeline, nft, loss, engine.Schedule(strategy.Steps), config.Loss, config.Seed) { Credit = credit }
                as IPolicyUpdate;
        using var disposeTrainer = trainer as IDisposable;
        using var opt =
            new AdamW(pipeline.Model.NamedParameters(trainableOnly: true), new AdamWOptions { LearningRate = 1e-3, WeightDecay = 0 });
        var loop = new GrpoIteration(pipeline, strategy, engine, new AlternatingReward(), new AdvantageConfig(), trainer, opt);
        using var gen = new Generator(22);
        var report = loop.Run(0, ["a red circle"], gen, new Random(0));
        Assert.Equal(nft.GroupSize * nft.TimesPerImage, report.Update.Edges);
        if (checkLiveTensors)
        {
            // the first iteration made what lives on (the optimizer's moments, the old policy's copy); a second one,
            // advantage maps included, frees every tensor it makes
            long live = Torch.LiveTensors;
            loop.Run(1, ["a red circle"], gen, new Random(1));
            Assert.Equal(live, Torch.LiveTensors);
        }
        return report.Update;
    }

    [Fact]
    public void TheGuidedTrainedVelocityIsTheConditionalOneWithoutCfgAndCostsTheCfgForwardsWithIt()
    {
        NftConfig Config(TrainedVelocity v) => new() { Steps = 4, GroupSize = 4, TimesPerImage = 2, RefWeight = 1e-4, TrainedVelocity = v };
        // without CFG the guided velocity is the conditional one: the same update, bit for bit, at the same cost
        var conditional = FirstUpdate(Config(TrainedVelocity.Conditional), guidance: 1.0);
        var guided = FirstUpdate(Config(TrainedVelocity.Guided), guidance: 1.0);
        Assert.Equal(conditional.GradNorm, guided.GradNorm);
        Assert.Equal(conditional.Loss, guided.Loss);
        Assert.Equal(conditional.TrainingForwards, guided.TrainingForwards);
        Assert.Equal(4L * 2 * 3, conditional.TrainingForwards);   // 8 noised copies x (old, reference, θ)
        // with CFG 3 the loss trains v_u + 3(v_c − v_u): another gradient, and each velocity is a doubled forward
        var conditional3 = FirstUpdate(Config(TrainedVelocity.Conditional), guidance: 3.0);
        var guided3 = FirstUpdate(Config(TrainedVelocity.Guided), guidance: 3.0);
        Assert.Equal(conditional.TrainingForwards, conditional3.TrainingForwards);
        Assert.Equal(2 * conditional3.TrainingForwards, guided3.TrainingForwards);
        Assert.True(Math.Abs(guided3.GradNorm - conditional3.GradNorm) > 1e-3 * conditional3.GradNorm,
            $"guided {guided3.GradNorm} vs conditional {conditional3.GradNorm}");

        Assert.Equal(TrainedVelocity.Guided, ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: nft\nlora:\n  enabled: true\nnft:\n  trained_velocity: guided\n", "t.yaml").Nft.TrainedVelocity);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: nft\nlora:\n  enabled: true\nnft:\n  trained_velocity: cfg\n", "t.yaml"));
        Assert.Contains("trained_velocity", e.Message);
    }

    [Fact]
    public void WithSharedTrainingNoiseTheGradientOfIdenticalImagesWithOppositeAdvantagesCancels()
    {
        // At θ = θ_old, NFT's gradient is Σ A_i·t²/w_i·∇L_FM(x0_i, ε_i, t_i) (NftLoss). With four identical images and
        // advantages summing to zero, shared noise and times make the four terms equal, so they cancel; fresh noise
        // leaves a sum of four different flow-matching gradients: the drift this option removes.
        double fresh = FirstGradNorm(sharedNoise: false), shared = FirstGradNorm(sharedNoise: true);
        Assert.True(fresh > 1e-3, $"fresh-noise gradient norm {fresh}");
        Assert.True(shared < 1e-4 * fresh, $"shared-noise gradient norm {shared} vs fresh {fresh}");
    }

    /// <summary>The same sign on every pixel of every image.</summary>
    private sealed class UniformCredit(sbyte sign) : IPixelCredit
    {
        public sbyte[] Of(Arbor.Imaging.Image8 image, string prompt) => [.. Enumerable.Repeat(sign, image.Width * image.Height)];
    }

    [Fact]
    public void DenseCreditThatSaysNothingIsTheImagesAdvantageAndOneThatSaysRightSilencesTheNegativeImages()
    {
        NftConfig Config() => new() { Steps = 4, GroupSize = 4, TimesPerImage = 2, RefWeight = 0 };
        var plain = FirstUpdate(Config(), 1.0);
        var silent = FirstUpdate(Config(), 1.0, new UniformCredit(0));
        // the same loss, its r taken per pixel: equal up to the order of float sums
        Assert.Equal(plain.GradNorm, silent.GradNorm, 1e-6 * plain.GradNorm);
        Assert.Equal(plain.Loss, silent.Loss, 1e-6 * Math.Abs(plain.Loss));
        // every pixel "right": the alternating rewards' below-average images keep A = 0 (r = ½) and, at θ = θ_old, add
        // nothing; every pixel "wrong": the above-average ones. Each is another gradient than both signs' together
        var right = FirstUpdate(Config(), 1.0, new UniformCredit(1), checkLiveTensors: true);
        var wrong = FirstUpdate(Config(), 1.0, new UniformCredit(-1));
        foreach (var (name, one) in new[] { ("right", right), ("wrong", wrong) })
        {
            Assert.True(one.GradNorm > 1e-3 * plain.GradNorm && Math.Abs(one.GradNorm - plain.GradNorm) > 1e-3 * plain.GradNorm,
                $"{name} {one.GradNorm} vs plain {plain.GradNorm}");
        }
        Assert.NotEqual(right.GradNorm, wrong.GradNorm);
    }

    [Fact]
    public void GroupSpreadPixelWeightsChangeNothingForIdenticalImagesAndReweighDistinctOnes()
    {
        // four identical leaves (one tree, noise level 0): no pixel differs, every weight is 1, the update is the uniform one
        NftConfig Tree(PixelWeighting w) => new()
        {
            Steps = 4, GroupSize = 4, TimesPerImage = 2, RefWeight = 0, Branching = 2, BranchDepth = 2, NoiseLevel = 0, PixelWeights = w
        };
        Assert.Equal(FirstUpdate(Tree(PixelWeighting.Uniform), 1.0).GradNorm, FirstUpdate(Tree(PixelWeighting.GroupSpread), 1.0).GradNorm);
        // four independent images differ everywhere but not alike: the weights move the gradient
        NftConfig Flat(PixelWeighting w) => new() { Steps = 4, GroupSize = 4, TimesPerImage = 2, RefWeight = 0, PixelWeights = w };
        double uniform = FirstUpdate(Flat(PixelWeighting.Uniform), 1.0).GradNorm;
        double spread = FirstUpdate(Flat(PixelWeighting.GroupSpread), 1.0).GradNorm;
        Assert.True(Math.Abs(spread - uniform) > 1e-4 * uniform, $"group_spread {spread} vs uniform {uniform}");

        Assert.Equal(PixelWeighting.GroupSpread, ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: nft\nlora:\n  enabled: true\nnft:\n  pixel_weights: group_spread\n", "t.yaml").Nft.PixelWeights);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: nft\nlora:\n  enabled: true\nnft:\n  pixel_weights: objects\n", "t.yaml"));
        Assert.Contains("pixel_weights", e.Message);
    }

    /// <summary>Scores every image of a prompt naming a square 1 (a silent, solved group), the others 1, 0, 1, 0, ...</summary>
    private sealed class SilentSquaresReward : IRewardFunction
    {
        public string Name => "silent_squares";
        public Task<RewardScores> ScoreAsync(RewardBatch batch, CancellationToken cancel = default) =>
            Task.FromResult(RewardScores.Of(batch.Images.Select((_, i) =>
                batch.Prompts[i].Contains("square") ? 1.0 : (i + 1) % 2).ToArray()));
    }

    /// <summary>Two iterations of nft on a prompt that learns and one whose group is silent, with the anchor's weight.</summary>
    private static (PolicyUpdateStats First, PolicyUpdateStats Second, int Anchors) TwoIterationsWithSilentGroup(double anchorWeight)
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(21);
        using (var loraGen = new Generator(3))
            LoraInjection.Apply(pipeline.Model, @"^blocks\.\d+\.(attn|cross)\.(q|kv|out)$", rank: 2, alpha: 4, loraGen);
        var nft = new NftConfig
        {
            Steps = 4, GroupSize = 4, TimesPerImage = 2, RefWeight = 0, SilentAnchorWeight = anchorWeight, SilentAnchorImages = 3
        };
        Assert.Empty(nft.Problems());
        var config = new GrpoTrainConfig { Strategy = "nft", Nft = nft };
        var strategy = StrategyRegistry.Create(config);
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0 });
        string[] prompts = ["a red circle", "a blue square"];
        using var trainer = new ForwardProcessTrainer(pipeline, nft, new NftLoss(nft, 5), engine.Schedule(4), config.Loss, config.Seed);
        using var opt =
            new AdamW(pipeline.Model.NamedParameters(trainableOnly: true), new AdamWOptions { LearningRate = 1e-2, WeightDecay = 0 });
        var loop = new GrpoIteration(pipeline, strategy, engine, new SilentSquaresReward(), new AdvantageConfig(), trainer, opt);
        using var gen = new Generator(22);
        var first = loop.Run(0, prompts, gen, new Random(0));
        Assert.Equal(1, first.Advantages.ZeroVarianceGroups);
        long live = Torch.LiveTensors;
        var second = loop.Run(1, prompts, gen, new Random(1));
        Assert.Equal(live, Torch.LiveTensors);     // the anchor's tensors die with their part's scope
        using var conditioning = new PromptConditioning(pipeline, prompts, 1.0);
        using var forest = engine.Run(prompts, strategy, conditioning, gen);
        var a = EdgeAdvantages.Assign(forest, strategy.AdvantageMode,
            [forest.Leaves.Select(l => l.Prompt == 1 ? 1.0 : l.Tree % 2).ToList()], [1.0], new AdvantageConfig());
        var plan = trainer.Plan(2, forest, a, conditioning);
        Assert.All(plan.Anchors, s => Assert.Equal(1, s.Leaf.Prompt));
        Assert.All(plan.Anchors, s => Assert.Contains(s.Time, engine.Schedule(4).Times[..4]));
        return (first.Update, second.Update, plan.AllAnchors);
    }

    [Fact]
    public void TheSilentGroupAnchorPullsOnlyTheSilentGroupsImagesTowardTheBase()
    {
        var off = TwoIterationsWithSilentGroup(0);
        var on = TwoIterationsWithSilentGroup(10);
        Assert.Equal(0, off.Anchors);
        Assert.Equal(3, on.Anchors);     // three of the silent group's four images, none of the learning group's
        // at the base (LoRA's B = 0) v_θ = v_ref: the anchor adds its forwards (θ and the reference per copy) and nothing else
        Assert.Equal(off.First.GradNorm, on.First.GradNorm);
        Assert.Equal(off.First.Loss, on.First.Loss);
        Assert.Equal(off.First.TrainingForwards + 3 * 2, on.First.TrainingForwards);
        // one step later the same weights differ from the base, and the anchor's term λ·mean(v_θ − v_ref)² is positive
        Assert.True(on.Second.Loss > off.Second.Loss, $"with the anchor {on.Second.Loss} vs without {off.Second.Loss}");
        Assert.NotEqual(off.Second.GradNorm, on.Second.GradNorm);

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: nft\nlora:\n  enabled: true\nnft:\n  silent_anchor_weight: -1\n", "t.yaml"));
        Assert.Contains("nft.silent_anchor_weight must be a finite number >= 0", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: nft\nlora:\n  enabled: true\nnft:\n  silent_anchor_images: 9\n", "t.yaml"));
        Assert.Contains("nft.silent_anchor_images must be in [1, group_size = 8]", e.Message);
        Assert.Equal(0.5, ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: nft\nlora:\n  enabled: true\nnft:\n  silent_anchor_weight: 0.5\n", "t.yaml").Nft.SilentAnchorWeight);
    }
}
