using Arbor.Advantages;
using Arbor.Rewards;
using Arbor.Rollouts;
using Arbor.Strategies;
using Arbor.Tensors;
using Arbor.Tensors.Optim;
using Arbor.Training;

namespace Arbor.Tests.Rollouts;

/// <summary>
/// Scores images by redness, with a component; its first call (wave 0) finishes only once the second call
/// (wave 1) has arrived, which can happen only if the iteration samples wave 1 without waiting for wave 0's score.
/// </summary>
internal sealed class OverlapProbeReward : IRewardFunction
{
    private readonly ManualResetEventSlim _secondCall = new();
    private int _calls;
    public List<int> BatchSizes { get; } = new();
    public bool Overlapped { get; private set; }
    public string Name => "probe";

    public Task<RewardScores> ScoreAsync(RewardBatch batch, CancellationToken cancel = default)
    {
        int call = Interlocked.Increment(ref _calls);
        lock (BatchSizes) BatchSizes.Add(batch.Count);
        if (call == 1) Overlapped = _secondCall.Wait(TimeSpan.FromSeconds(60));
        else _secondCall.Set();
        var red = new RednessReward().ScoreAsync(batch).Result.Scores;
        return Task.FromResult(new RewardScores(red, new Dictionary<string, double[]> { ["twice"] = red.Select(r => 2 * r).ToArray() }));
    }
}

public class RolloutWaveTests
{
    private static readonly string[] Prompts = ["a red circle", "a blue square", "a red square"];

    [Fact]
    public void WavesDeliverEachGroupOfPromptsInLeafOrderAndTheSameImagesAsTheForest()
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(61);
        var strategy = new FlowGrpoStrategy(new FlowGrpoConfig { Steps = 3, GroupSize = 2 });
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 2.0, Waves = 2 });
        using var conditioning = new PromptConditioning(pipeline, Prompts, 2.0);
        using var gen = new Generator(62);
        var waves = new List<RolloutWave>();
        using var forest = engine.Run(Prompts, strategy, conditioning, gen, waves.Add);
        Assert.Equal(2, waves.Count);
        Assert.All(waves[0].Leaves, l => Assert.Equal(0, l.Prompt));              // prompts [0, 1) then [1, 3)
        Assert.All(waves[1].Leaves, l => Assert.InRange(l.Prompt, 1, 2));
        Assert.Equal(forest.Leaves, waves.SelectMany(w => w.Leaves));
        Assert.Equal(forest.Images, waves.SelectMany(w => w.Images));
        Assert.Equal(6L * 3 * 2, forest.Stats.ModelForwards);
    }

    [Fact]
    public void AnIterationScoresWave0WhileWave1SamplesAndGivesEachLeafItsOwnScore()
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(63);
        var strategy = new RecordingFlowGrpo(new FlowGrpoConfig { Steps = 3, GroupSize = 2 });
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 2.0, Waves = 2 });
        // the loss shaping sees the scored forest through the trainer it is given to, as PolicyUpdates.Create wires it
        var trainer = new PolicyTrainer(pipeline, strategy.SdeStep, engine.Schedule(3), new PolicyLossConfig()) { Shaping = strategy };
        using var opt = new Sgd(pipeline.Model.NamedParameters(trainableOnly: true), new SgdOptions { LearningRate = 0 });
        var probe = new OverlapProbeReward();
        var iteration = new GrpoIteration(pipeline, strategy, engine, probe, new AdvantageConfig(), trainer, opt);
        using var gen = new Generator(64);
        var report = iteration.Run(0, Prompts, gen, new Random(0));
        Assert.True(probe.Overlapped, "wave 0's reward finished before wave 1's images were handed over");
        Assert.Equal([2, 4], probe.BatchSizes.Order());     // either may reach the thread pool first
        Assert.Equal(2 * report.ComponentMeans["probe"], report.ComponentMeans["probe.twice"], 12);
        // every leaf got the score of its own image: the rewards stitched from two waves are in leaf order
        Assert.Equal(6, strategy.LeafRewards.Count);
        Assert.Equal(strategy.LeafRedness, strategy.LeafRewards);
        Assert.Equal(report.RewardMean, strategy.LeafRewards.Average(), 12);
    }

    /// <summary>Flow-GRPO that records, when the loss is prepared, each leaf's reward and its image's redness.</summary>
    private sealed class RecordingFlowGrpo(FlowGrpoConfig config) : IRolloutStrategy, ILossShaping
    {
        private readonly FlowGrpoStrategy _inner = new(config);
        public List<double> LeafRewards { get; } = new();
        public List<double> LeafRedness { get; } = new();
        public string Name => _inner.Name;
        public int Steps => _inner.Steps;
        public int TreesPerPrompt => _inner.TreesPerPrompt;
        public bool SharedRootNoise => _inner.SharedRootNoise;
        public Arbor.Sampling.Steps.IDenoisingStep SdeStep => _inner.SdeStep;
        public void BeginIteration(long iteration, Random random) => _inner.BeginIteration(iteration, random);
        public NodeExpansion Expand(RolloutNode node) => _inner.Expand(node);
        public EdgeAdvantageMode AdvantageMode => ((IRolloutStrategy)_inner).AdvantageMode;
        public void Prepare(RolloutForest forest, Arbor.Distributed.DataParallel? parallel = null)
        {
            LeafRewards.AddRange(forest.Leaves.Select(l => l.Reward!.Value));
            LeafRedness.AddRange(Redness(forest));
        }
        public (double Low, double High)? ClipInterval(RolloutEdge edge) => null;
        public Tensor? ExtraLoss(TrainingStepBatch batch) => null;
    }

    private static double[] Redness(RolloutForest forest)
    {
        var task = new RednessReward().ScoreAsync(new RewardBatch(forest.Images, [.. forest.Leaves.Select(_ => "")]));
        return task.Result.Scores;
    }
}
