using Arbor.Models;
using Arbor.Rollouts;
using Arbor.Sampling.Steps;
using Arbor.Strategies;
using Arbor.Strategies.DynamicTree;
using Arbor.Tensors;

namespace Arbor.Tests.Rollouts;

public class TreeStrategyTests
{
    [Theory]
    [InlineData(10, 3, 3, 0)]
    [InlineData(10, 3, 3, 4)]
    [InlineData(6, 2, 2, 1)]
    [InlineData(5, 1, 3, 1)]      // k = 1: a single trajectory
    [InlineData(10, 3, 3, 4, ModelKind.Epsilon)]     // the same tree on an ε-model: DDIM branches, the same NFE
    [InlineData(6, 2, 2, 1, ModelKind.Epsilon)]
    public void TreeGrpoHasKToTheDLeavesAndTheFormulaNfe(int steps, int k, int d, int l, ModelKind kind = ModelKind.Flow)
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(31, kind);
        var strategy = new TreeGrpoStrategy(new TreeGrpoConfig
        {
            Steps = steps, Branching = k, Depth = d,
            SdeKind = kind == ModelKind.Epsilon ? SdeKind.Ddim : SdeKind.Flow, NoiseLevel = kind == ModelKind.Epsilon ? 1.0 : 0.7,
        });
        strategy.SetWindow(l);
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0, MaxBatch = 16 });
        using var conditioning = new PromptConditioning(pipeline, ["a circle"], 1.0);
        using var gen = new Generator(32);
        using var forest = engine.Run(["a circle"], strategy, conditioning, gen);
        int leaves = (int)Math.Pow(k, d);
        Assert.Equal(leaves, forest.Leaves.Count);
        long branching = k == 1 ? d : (leaves - 1) / (k - 1);
        Assert.Equal(l + branching + (long)leaves * (steps - l - d), forest.Stats.NodeEvaluations);
        Assert.All(forest.TrainedEdges, e => Assert.InRange(e.Step, l, l + d - 1));
    }

    [Fact]
    public void AWindowOutsideTheScheduleIsAnErrorNamingIt()
    {
        var strategy = new TreeGrpoStrategy(new TreeGrpoConfig { Steps = 10, Depth = 3 });
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => strategy.SetWindow(8));
        Assert.Contains("[8, 11)", e.Message);
        // [7, 10) fits the schedule but would train the last step, which ALGORITHMS.md §2 never trains
        e = Assert.Throws<ArgumentOutOfRangeException>(() => strategy.SetWindow(7));
        Assert.Contains("the last step is never trained", e.Message);
        strategy.SetWindow(6);
        var random = new Random(5);
        for (int i = 0; i < 2000; i++) { strategy.BeginIteration(i, random); Assert.InRange(strategy.WindowStart, 0, 6); }
    }

    [Fact]
    public void DynamicTreeWindowSlidesEveryTauIterationsAndWrapsAfterTheLastStart()
    {
        int[] Starts(int? last)
        {
            var strategy = new DynamicTreeStrategy(new DynamicTreeConfig { Steps = 10, Depth = 3, ShiftEvery = 2, LastWindowStart = last });
            return Enumerable.Range(0, 20)
                .Select(i => { strategy.BeginIteration(i, new Random(0)); return strategy.WindowStart; }).ToArray();
        }

        // T − d − 1 = 6: the last step untrained
        Assert.Equal([0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 0, 0, 1, 1, 2, 2], Starts(null));
        Assert.Equal([0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2, 0, 0], Starts(2));
        Assert.All(Starts(0), s => Assert.Equal(0, s));
    }

    [Fact]
    public void TruncatedGeometricWindowStartsFollowTheirDistribution()
    {
        var random = new Random(3);
        var counts = new int[8];
        for (int i = 0; i < 20000; i++) counts[TreeGrpoStrategy.SampleGeometric(random, 0.5, 7)]++;
        double z = Enumerable.Range(0, 8).Sum(l => Math.Pow(0.5, l));
        for (int l = 0; l < 4; l++) Assert.InRange(counts[l] / 20000.0, Math.Pow(0.5, l) / z - 0.015, Math.Pow(0.5, l) / z + 0.015);
    }

    [Fact]
    public void DepthNoiseRecordsSigmaTimesOnePlusBetaKOverDAndTheLogProbUsesIt()
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(33);
        var strategy = new DynamicTreeStrategy(new DynamicTreeConfig { Steps = 6, Depth = 3, DepthNoiseBeta = 1.0 });
        strategy.BeginIteration(0, new Random(0));
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0 });
        using var conditioning = new PromptConditioning(pipeline, ["a circle"], 1.0);
        using var gen = new Generator(34);
        using var forest = engine.Run(["a circle"], strategy, conditioning, gen);
        Assert.Equal(8, forest.Leaves.Count);
        var schedule = engine.Schedule(6);
        var sde = (FlowGrpoSdeStep)strategy.SdeStep;
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        foreach (var edge in forest.TrainedEdges)
        {
            int k = edge.From.Depth;
            Assert.Equal(1 + k / 3.0, edge.NoiseScale, 12);
            // recompute with the recorded scale: exactly the rollout's log-prob; with scale 1 (for k > 0): different
            var x = edge.From.State!.Unsqueeze(0);
            var v = conditioning.Velocity(pipeline.Model, x, Torch.Full([1], schedule.Times[edge.Step]),
                Torch.FromArray(new long[] { edge.From.Prompt }));
            var scaled = sde.Transition(x, v, schedule, edge.Step, Torch.FromArray(new[] { (float)edge.NoiseScale }));
            Assert.Equal(sde.Sigma(schedule, edge.Step) * (1 + k / 3.0) * Math.Sqrt(-schedule.Delta(edge.Step)), scaled.Std.Item(), 5);
            var target = edge.To.State!.Unsqueeze(0);
            Assert.Equal(edge.LogProbOld, GaussianLogProb.Of(target, scaled).Item(), 5);
            if (k > 0) Assert.NotEqual(edge.LogProbOld, GaussianLogProb.Of(target, sde.Transition(x, v, schedule, edge.Step)).Item(), 5);
        }
    }

    [Fact]
    public void CorrelatedSiblingNoiseHasCorrelationOneOverOnePlusSSquaredAndUnitVariance()
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(35);
        const double s = 2.0;
        var strategy = new CorrelatedPair(s);
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0 });
        string[] prompts = ["a circle", "a circle", "a circle", "a circle"];
        using var conditioning = new PromptConditioning(pipeline, prompts, 1.0);
        using var gen = new Generator(36);
        using var forest = engine.Run(prompts, strategy, conditioning, gen);
        var schedule = engine.Schedule(2);
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        var z1 = new List<double>();
        var z2 = new List<double>();
        foreach (var root in forest.Nodes.Where(n => n.Parent is null))
        {
            var x = root.State!.Unsqueeze(0);
            var v = conditioning.Velocity(pipeline.Model, x, Torch.Full([1], 1.0), Torch.FromArray(new long[] { root.Prompt }));
            var tr = strategy.SdeStep.Transition(x, v, schedule, 0);
            var a = ((root.Children[0].To.State!.Unsqueeze(0) - tr.Mean) / tr.Std).ToDoubleArray();
            var b = ((root.Children[1].To.State!.Unsqueeze(0) - tr.Mean) / tr.Std).ToDoubleArray();
            z1.AddRange(a);
            z2.AddRange(b);
        }
        double Var(List<double> q) { double m = q.Average(); return q.Sum(x => (x - m) * (x - m)) / q.Count; }
        double cov = z1.Zip(z2).Sum(p => p.First * p.Second) / z1.Count - z1.Average() * z2.Average();
        Assert.InRange(Var(z1), 0.9, 1.1);
        Assert.InRange(cov / Math.Sqrt(Var(z1) * Var(z2)), 1 / (1 + s * s) - 0.06, 1 / (1 + s * s) + 0.06);
    }

    private sealed class CorrelatedPair(double s) : IRolloutStrategy
    {
        public string Name => "pair";
        public int Steps => 2;
        public int TreesPerPrompt => 1;
        public bool SharedRootNoise => false;
        public IDenoisingStep SdeStep { get; } = new FlowGrpoSdeStep();
        public void BeginIteration(long iteration, Random random) { }
        public NodeExpansion Expand(RolloutNode node) =>
            node.Step == 0 ? new NodeExpansion(2, true, true, 1.0, s) : NodeExpansion.Ode;
    }
}

public class BranchGrpoPruningTests
{
    [Fact]
    public void DepthPruningWindowSlidesEarlierButNotBeforeTheLastSplit()
    {
        var s = new BranchGrpoStrategy(new BranchGrpoConfig { Steps = 10, SplitSteps = [0, 2, 4], DepthPruning = true });
        s.BeginIteration(0, new Random(0));
        Assert.Equal(5, s.PruneStart);
        s.BeginIteration(30, new Random(0));
        Assert.Equal(4, s.PruneStart);
        s.BeginIteration(300, new Random(0));
        Assert.Equal(4, s.PruneStart);          // never before the last split
    }

    [Fact]
    public void PrunedStepsAreNotTrainedAndWidthPruningKeepsTheBetterChild()
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(51);
        var s = new BranchGrpoStrategy(new BranchGrpoConfig
        {
            Steps = 8, SplitSteps = [0, 2], NoiseCorrelation = 1, DepthPruning = true, DepthPruningWindow = 2, WidthPruning = true
        });
        s.BeginIteration(0, new Random(0));     // prune window [5, 7)
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0 });
        using var conditioning = new PromptConditioning(pipeline, ["a circle"], 1.0);
        using var gen = new Generator(52);
        using var forest = engine.Run(["a circle"], s, conditioning, gen);
        Assert.Equal(4, forest.Leaves.Count);
        Assert.DoesNotContain(forest.TrainedEdges, e => e.Step is 5 or 6 or 7);
        var rng = new Random(3);
        foreach (var leaf in forest.Leaves) leaf.Reward = rng.NextDouble();
        s.Prepare(forest);
        foreach (var parent in forest.Nodes.Where(n => n.Step == 2))
            Assert.Single(parent.Children, e => e.Trained);
    }
}
