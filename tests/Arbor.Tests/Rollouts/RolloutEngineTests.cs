using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Pretraining;
using Arbor.Rollouts;
using Arbor.Sampling;
using Arbor.Sampling.Steps;
using Arbor.Strategies;
using Arbor.Tensors;
using Arbor.Tensors.Optim;
using Arbor.Text;

namespace Arbor.Tests.Rollouts;

/// <summary>A window of branching steps (TreeGRPO's shape) to check the engine beyond flat trajectories.</summary>
internal sealed class WindowTree(int steps, int start, int depth, int k) : IRolloutStrategy
{
    public string Name => "window_tree";
    public int Steps => steps;
    public int TreesPerPrompt => 1;
    public bool SharedRootNoise => false;
    public IDenoisingStep SdeStep { get; } = new FlowGrpoSdeStep();
    public void BeginIteration(long iteration, Random random) { }
    public NodeExpansion Expand(RolloutNode node) =>
        node.Step >= start && node.Step < start + depth ? NodeExpansion.Sde(trained: true, children: k) : NodeExpansion.Ode;
}

public class RolloutEngineTests
{
    /// <summary>
    /// A tiny pipeline of <paramref name="kind"/> whose adaLN and output layers are small random values (not zero), so its
    /// prediction depends on the prompt and the weights from the first step; an ε-model is then fitted to solid colours
    /// (<see cref="FitToSolidColours"/>).
    /// </summary>
    internal static TextToImagePipeline TinyPipeline(ulong seed, ModelKind kind = ModelKind.Flow)
    {
        var tokenizer = new WordTokenizer(["a", "red", "blue", "circle", "square"]);
        using var gen = new Generator(seed);
        var tiny = Models.FlowDiTTests.Tiny with { Kind = kind };
        var p = TextToImagePipeline.Create(tiny with { Text = tiny.Text with { MaxTokens = 6 } }, tokenizer, gen);
        using (var scope = Torch.NewScope())
        using (Torch.NoGrad())
        {
            foreach (var (name, param) in p.Model.NamedParameters())
                if (name.Contains("adaLN") || name.StartsWith("final")) param.CopyFrom(Torch.RandnLike(param, gen) * 0.05);
        }
        if (kind == ModelKind.Epsilon) FitToSolidColours(p, seed);
        return p;
    }

    /// <summary>
    /// A fresh ε-model predicts ε̂ ≈ 0, which DDIM reads as x̂0 = x/sqrt(ᾱ) (157·x at t = 1 on DDPM's schedule): its
    /// rollouts leave its own forward process at the first step and every image saturates, so what it learns from noisings
    /// of its images (the forward-process methods' loss) does not reach its samples. (Measured before this fit, on a
    /// schedule mild enough not to saturate: the policy-gradient strategies learned the redness reward, nft and awm barely,
    /// awm on trees not at all.) The ε fixture is therefore first fitted by 200 AdamW steps of its pretraining loss to solid
    /// colours, uniform in [−0.5, 0.5]³, under its prompts: its samples are then varied colours that its forward process
    /// describes, as an untrained flow fixture's samples (its initial noise, v ≈ 0) are its flow's.
    /// </summary>
    private static void FitToSolidColours(TextToImagePipeline p, ulong seed)
    {
        using var gen = new Generator(seed + 1000);
        using var opt = new AdamW(p.Model.NamedParameters(trainableOnly: true), new AdamWOptions { LearningRate = 3e-3, WeightDecay = 0 });
        string[] captions = ["a red circle", "a blue square", ""];
        for (int step = 0; step < 200; step++)
        {
            using var scope = Torch.NewScope();
            var x0 = (Torch.Rand([16, 3, 1, 1], gen) - 0.5).Expand(16, 3, 8, 8).Contiguous();
            var t = DenoisingObjective.SampleTimes(p.Model.Process, 16, 0, 1, gen);
            var noise = Torch.Randn([16, 3, 8, 8], gen);
            using var condition = p.Encode([.. Enumerable.Range(0, 16).Select(i => captions[i % 3])]);
            var loss = DenoisingObjective.Loss(p.Model, x0, t, noise, condition);
            opt.ZeroGrad();
            loss.Backward();
            opt.Step();
        }
    }

    [Fact]
    public void FlowGrpoRolloutHasTheExpectedShapeAccountingAndKeepsOnlyNeededStates()
    {
        using var pipeline = TinyPipeline(1);
        long baseline = Torch.UnreleasedTensors;
        var strategy = new FlowGrpoStrategy(new FlowGrpoConfig { Steps = 5, GroupSize = 3 });
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 3.0, MaxBatch = 4 });
        using (var conditioning = new PromptConditioning(pipeline, ["a red circle", "a blue square"], 3.0))
        using (var gen = new Generator(2))
        using (var forest = engine.Run(["a red circle", "a blue square"], strategy, conditioning, gen))
        {
            Assert.Equal(6, forest.Leaves.Count);
            Assert.Equal(6, forest.Images.Count);
            Assert.Equal(6L * 5 * 2, forest.Stats.ModelForwards);           // G·T per prompt, CFG doubles
            Assert.Equal(6 * 4, forest.Stats.TrainedEdges);                   // all but the last step
            Assert.All(forest.Edges, e => Assert.True(e.Stochastic));
            Assert.All(forest.Edges.Where(e => e.Step == 4), e => Assert.False(e.Trained));
            Assert.All(forest.Nodes, n => Assert.NotNull(n.State));   // flow_grpo: every state is a trained edge's end or a leaf
            Assert.All(forest.Leaves,
                l => Assert.Equal(1, forest.Nodes.Count(r => r.Parent is null && r.Prompt == l.Prompt && r.Tree == l.Tree)));
        }
        Assert.Equal(baseline, Torch.UnreleasedTensors);
    }

    [Fact]
    public void HeunOdeRolloutsAreTheHeunSamplersTrajectory()
    {
        using var pipeline = TinyPipeline(3);
        long baseline = Torch.UnreleasedTensors;
        string[] prompts = ["a red circle"];
        var schedule = new RolloutConfig { Guidance = 3.0, TimeShift = 2, OdeSolver = OdeSolver.Heun };
        var engine = new RolloutEngine(pipeline, schedule);
        using (var conditioning = new PromptConditioning(pipeline, prompts, 3.0))
        using (var gen = new Generator(4))
        using (var forest = engine.Run(prompts, new WindowTree(steps: 4, start: 0, depth: 0, k: 1), conditioning, gen))
        using (var scope = Torch.NewScope())
        using (var same = new Generator(4))
        {
            var expected = pipeline.Generate(prompts, pipeline.Noise(1, same), steps: 4, guidance: 3.0, new HeunSampler(), shift: 2);
            var leaf = forest.Leaves.Single().State!.Unsqueeze(0).Clamp(-1, 1);   // the pipeline's images are clamped
            double difference = (leaf - expected).Abs().Max().Item();
            Assert.True(difference < 1e-5, $"max difference {difference}");
            Assert.Equal(4L * 2 * 2, forest.Stats.ModelForwards);    // two slopes per step, CFG doubles each
        }
        Assert.Equal(baseline, Torch.UnreleasedTensors);
    }

    [Fact]
    public void AGuidanceIntervalRollsOutTheSamplersTrajectoryAndCountsOneForwardBelowIt()
    {
        using var pipeline = TinyPipeline(3);
        long baseline = Torch.UnreleasedTensors;
        string[] prompts = ["a red circle"];
        var config = new RolloutConfig { Guidance = 3.0, TimeShift = 2, OdeSolver = OdeSolver.Heun, GuidanceUntil = 0.5 };
        var engine = new RolloutEngine(pipeline, config);
        using (var conditioning = new PromptConditioning(pipeline, prompts, 3.0, config.GuidanceUntil))
        using (var gen = new Generator(4))
        using (var forest = engine.Run(prompts, new WindowTree(steps: 4, start: 0, depth: 0, k: 1), conditioning, gen))
        using (var scope = Torch.NewScope())
        using (var same = new Generator(4))
        {
            var expected = pipeline.Generate(prompts, pipeline.Noise(1, same), steps: 4, guidance: 3.0, new HeunSampler(), shift: 2,
                guidanceUntil: 0.5);
            var leaf = forest.Leaves.Single().State!.Unsqueeze(0).Clamp(-1, 1);
            double difference = (leaf - expected).Abs().Max().Item();
            Assert.True(difference < 1e-5, $"max difference {difference}");
            // shift 2 over 4 steps: t = 1, 6/7, 2/3, 2/5, 0; slopes at 1, 6/7 | 6/7, 2/3 | 2/3, 2/5 | 2/5, 1/5 (the midpoint):
            // five guided (two forwards each), three at or below 0.5 (one each)
            Assert.Equal(5L * 2 + 3, forest.Stats.ModelForwards);
        }
        Assert.Equal(baseline, Torch.UnreleasedTensors);
    }

    [Fact]
    public void UnderAGuidanceIntervalEachRowOfAMixedBatchIsGuidedByItsOwnTime()
    {
        using var pipeline = TinyPipeline(5);
        using var scope = Torch.NewScope();
        using var gen = new Generator(6);
        string[] prompts = ["a red circle", "a blue square"];
        using var interval = new PromptConditioning(pipeline, prompts, 3.0, guidanceUntil: 0.5);
        using var always = new PromptConditioning(pipeline, prompts, 3.0);
        var x = Torch.Randn([2, .. pipeline.Model.SampleShape], gen);
        var rows = Torch.FromArray(new long[] { 0, 1 });
        var t = Torch.FromArray(new[] { 0.8f, 0.3f });                          // a training batch's times: one above, one below
        var (guided, conditional) = always.Velocities(pipeline.Model, x, t, rows);
        var mixed = interval.Velocity(pipeline.Model, x, t, rows);
        Assert.Equal(guided.Select(0, 0).ToFloatArray(), mixed.Select(0, 0).ToFloatArray());
        Assert.Equal(conditional.Select(0, 1).ToFloatArray(), mixed.Select(0, 1).ToFloatArray());
        Assert.Equal((2, 1), (interval.ForwardsAt(0.8), interval.ForwardsAt(0.5)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PromptConditioning(pipeline, prompts, 3.0, guidanceUntil: -0.1));
    }

    [Fact]
    public void HeunTakesItsSecondSlopeOnlyOnTheOdeNodesOfAChunk()
    {
        using var pipeline = TinyPipeline(5);
        string[] prompts = ["a blue square"];
        long Forwards(OdeSolver solver)
        {
            var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0, OdeSolver = solver });
            using var conditioning = new PromptConditioning(pipeline, prompts, 1.0);
            using var gen = new Generator(6);
            using var forest = engine.Run(prompts, new WindowTree(steps: 4, start: 1, depth: 1, k: 2), conditioning, gen);
            Assert.Equal(2, forest.Leaves.Count);
            return forest.Stats.ModelForwards;
        }
        // one node at steps 0 (ODE) and 1 (SDE, two children), two ODE nodes at steps 2 and 3
        Assert.Equal(1 + 1 + 2 + 2, Forwards(OdeSolver.Euler));
        Assert.Equal(2 + 1 + 4 + 4, Forwards(OdeSolver.Heun));
    }

    [Fact]
    public void ABranchingWindowGivesKToTheDLeavesAndTheTreeGrpoNfe()
    {
        using var pipeline = TinyPipeline(3);
        const int steps = 6, l = 1, d = 2, k = 3;
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0, MaxBatch = 5 });
        using var conditioning = new PromptConditioning(pipeline, ["a circle"], 1.0);
        using var gen = new Generator(4);
        using var forest = engine.Run(["a circle"], new WindowTree(steps, l, d, k), conditioning, gen);
        Assert.Equal(9, forest.Leaves.Count);
        // ALGORITHMS.md §5.4 (T = steps): NFE per tree = l + (k^d − 1)/(k − 1) + k^d·(T − l − d)
        Assert.Equal(l + (9 - 1) / (k - 1) + 9 * (steps - l - d), forest.Stats.NodeEvaluations);
        Assert.Equal(3 + 9, forest.Stats.TrainedEdges);
        Assert.All(forest.Leaves, leaf => Assert.Equal(d, leaf.Depth));
        // ODE states outside the window are not kept: the prefix before the window and the suffix interior
        Assert.Null(forest.Nodes.Single(n => n.Step == 0).State);
        Assert.All(forest.Nodes.Where(n => n.Step == 4), n => Assert.Null(n.State));
    }

    [Fact]
    public void RecomputingAnEdgeFromItsStoredStatesGivesExactlyTheRolloutLogProb()
    {
        using var pipeline = TinyPipeline(5);
        var strategy = new FlowGrpoStrategy(new FlowGrpoConfig { Steps = 4, GroupSize = 2 });
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 2.0 });
        string[] prompts = ["a red circle", "a blue square"];
        using var conditioning = new PromptConditioning(pipeline, prompts, 2.0);
        using var gen = new Generator(6);
        using var forest = engine.Run(prompts, strategy, conditioning, gen);
        var schedule = engine.Schedule(4);
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        foreach (var group in forest.TrainedEdges.GroupBy(e => e.Step))
        {
            var edges = group.ToList();
            var x = Torch.Stack(edges.Select(e => e.From.State!).ToList());
            var v = conditioning.Velocity(pipeline.Model, x, Torch.Full([edges.Count], schedule.Times[group.Key]),
                Torch.FromArray(edges.Select(e => (long)e.From.Prompt).ToArray()));
            var tr = strategy.SdeStep.Transition(x, v, schedule, group.Key,
                Torch.FromArray(edges.Select(e => (float)e.NoiseScale).ToArray()));
            var logp = GaussianLogProb.Of(Torch.Stack(edges.Select(e => e.To.State!).ToList()), tr).ToDoubleArray();
            for (int i = 0; i < edges.Count; i++) Assert.Equal(edges[i].LogProbOld, logp[i]);   // bit for bit: ratio = 1
        }
    }

    [Fact]
    public void AdaptersFoldOnlyInStepsWithoutATrainedEdgeSoTrainedEdgesRecomputeExactly()
    {
        using var pipeline = TinyPipeline(7);
        var model = (FlowDiT)pipeline.Model;
        using (var init = new Generator(8))
        {
            Arbor.Tensors.NN.LoraInjection.Apply(model, @"^blocks\.\d+\.(attn|cross)\.(q|kv|out)$", rank: 2, alpha: 4, init);
            using var noGrad = Torch.NoGrad();
            foreach (var (_, p) in Arbor.Tensors.NN.LoraInjection.LoraParameters(model)) p.CopyFrom(Torch.RandnLike(p, init) * 0.3);
        }
        // ODE at steps 0 and 3 (folded), trained SDE at steps 1 and 2 (as training computes)
        var strategy = new WindowTree(steps: 4, start: 1, depth: 2, k: 2);
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 2.0 });
        string[] prompts = ["a red circle", "a blue square"];
        using var conditioning = new PromptConditioning(pipeline, prompts, 2.0);
        using var gen = new Generator(9);
        using var forest = engine.Run(prompts, strategy, conditioning, gen);
        Assert.All(model.NamedModules().Select(m => m.Module).OfType<Arbor.Tensors.NN.Linear>(), l => Assert.Null(l.Folded));
        var schedule = engine.Schedule(4);
        using var scope = Torch.NewScope();
        using var noGrad2 = Torch.NoGrad();
        Assert.Equal(2 * (2 + 4), forest.TrainedEdges.Count());
        foreach (var group in forest.TrainedEdges.GroupBy(e => e.Step))
        {
            // the step's parents as the rollout batched them (one row per node: BLAS's sums depend on the batch)
            var edges = group.ToList();
            var parents = edges.Select(e => e.From).Distinct().ToList();
            var rows = Torch.FromArray(edges.Select(e => (long)parents.IndexOf(e.From)).ToArray());
            var x = Torch.Stack(parents.Select(n => n.State!).ToList());
            var t = Torch.Full([parents.Count], schedule.Times[group.Key]);
            var promptRows = Torch.FromArray(parents.Select(n => (long)n.Prompt).ToArray());
            var children = Torch.Stack(edges.Select(e => e.To.State!).ToList());
            double[] LogProbs(Tensor v)
            {
                var tr = strategy.SdeStep.Transition(x, v, schedule, group.Key, Torch.Ones([parents.Count]));
                var perEdge = new Transition(tr.Mean.IndexSelect(0, rows), tr.Std.IndexSelect(0, rows));
                return GaussianLogProb.Of(children, perEdge).ToDoubleArray();
            }
            Assert.All(edges, e => Assert.Equal(1.0, e.NoiseScale));
            var logp = LogProbs(conditioning.Velocity(pipeline.Model, x, t, promptRows));
            for (int i = 0; i < edges.Count; i++) Assert.Equal(edges[i].LogProbOld, logp[i]);   // bit for bit: ratio = 1
        }
        // the ODE step after the window was folded: recomputed unfolded on the same batch, it differs by rounding alone
        var last = forest.Leaves.Select(l => l.Parent!).ToList();
        var x3 = Torch.Stack(last.Select(n => n.State!).ToList());
        var v3 = conditioning.Velocity(pipeline.Model, x3, Torch.Full([last.Count], schedule.Times[3]),
            Torch.FromArray(last.Select(n => (long)n.Prompt).ToArray()));
        var unfolded = x3 + v3 * schedule.Delta(3);
        var logged = Torch.Stack(forest.Leaves.Select(l => l.State!).ToList());
        double gap = (unfolded - logged).Abs().Max().Item();
        Assert.True(gap > 0 && gap < 1e-5, $"gap {gap}");
    }

    [Fact]
    public void MixGrpoWindowSlidesAndWraps()
    {
        Assert.Equal(0, MixGrpoStrategy.WindowStartAt(0, 25, 10));
        Assert.Equal(1, MixGrpoStrategy.WindowStartAt(25, 25, 10));
        Assert.Equal(8, MixGrpoStrategy.WindowStartAt(8 * 25, 25, 10));
        Assert.Equal(0, MixGrpoStrategy.WindowStartAt(9 * 25, 25, 10));
        using var pipeline = TinyPipeline(7);
        var strategy = new MixGrpoStrategy(new MixGrpoConfig { Steps = 6, GroupSize = 2, Window = 2, ShiftEvery = 1 });
        strategy.BeginIteration(3, new Random(0));
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0 });
        using var conditioning = new PromptConditioning(pipeline, ["a circle"], 1.0);
        using var gen = new Generator(8);
        using var forest = engine.Run(["a circle"], strategy, conditioning, gen);
        Assert.Equal([3, 4], forest.TrainedEdges.Select(e => e.Step).Distinct().Order().ToArray());
        Assert.All(forest.Edges.Where(e => e.Step is not (3 or 4)), e => Assert.False(e.Stochastic));
    }

    [Fact]
    public void DanceGrpoSharesRootNoiseAndTrainsSixtyPercentOfEachSamplesSteps()
    {
        using var pipeline = TinyPipeline(9);
        var strategy = new DanceGrpoStrategy(new DanceGrpoConfig { Steps = 10, GroupSize = 3 });
        strategy.BeginIteration(0, new Random(1));
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0 });
        using var conditioning = new PromptConditioning(pipeline, ["a circle"], 1.0);
        using var gen = new Generator(10);
        using var forest = engine.Run(["a circle"], strategy, conditioning, gen);
        foreach (var tree in forest.Leaves.Select(l => l.Tree))
        {
            var steps = forest.TrainedEdges.Where(e => e.From.Tree == tree).Select(e => e.Step).ToList();
            Assert.Equal(6, steps.Count);
            Assert.DoesNotContain(9, steps);
        }
        Assert.Equal(3, forest.Leaves.Select(l => l.Tree).Distinct().Count());
    }
}
