using Arbor.Advantages;
using Arbor.Distributed;
using Arbor.Shapes;
using Arbor.Strategies;
using Arbor.Strategies.DynamicTree;
using Arbor.Tensors;
using Arbor.Training;

namespace Arbor.Tests.Rollouts;

/// <summary>
/// Data-parallel RL iterations (issue #16): two ranks (threads of this process, each with its own model copy and process
/// group), each rolling out half of the iteration's prompts, train as one process on all of them does: the same
/// rollouts, advantages, losses and weights, to the tolerance of float32 sums taken in another order.
/// </summary>
public class DataParallelIterationTests(ITestOutputHelper output)
{
    private static readonly string[] Prompts = ["a red circle", "a blue square", "a blue circle", "a red square"];

    private record Run(List<IterationReport> Reports, float[] Weights);

    /// <summary>Three iterations of <paramref name="strategyName"/> on <see cref="Prompts"/>, this rank's share of them.</summary>
    private static Run Iterations(string strategyName, DataParallel dp, bool shuffle)
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(13);
        var config = new GrpoTrainConfig
        {
            Strategy = strategyName,
            FlowGrpo = new FlowGrpoConfig { Steps = 4, GroupSize = 4 },
            Nft = new NftConfig { Steps = 4, GroupSize = 4, TimesPerImage = 2, RefWeight = 0 },
            // a tree strategy with its leaf term in the same loss (LayerTuning-RL
            // v2 b): tree backup, policy gradient and forward process at once
            DynamicTree = new DynamicTreeConfig
            {
                Steps = 4, Depth = 2, LastWindowStart = 1, NumTrees = 2, LayerTuning = true,
                LayerTuningForm = LayerTuningForm.LeafNft, LayerTuningWeight = 1.0
            },
            Loss = new PolicyLossConfig { ClipRange = 1e-3, UpdatesPerIteration = 2 },
            Advantage = new AdvantageConfig { GlobalStd = true, ShuffleRewards = shuffle },
        };
        using var iteration = new TinyIteration(pipeline, config, dp);
        var loop = iteration.Loop;
        var (first, count) = dp.Shard(Prompts.Length);
        var reports = new List<IterationReport>();
        for (int it = 0; it < 3; it++)
        {
            var noise = Enumerable.Range(first, count).Select(j => new Generator(ShapesRng.Hash(14, (ulong)it, (ulong)j))).ToList();
            reports.Add(loop.Run(it, Prompts[first..(first + count)], noise, new Random(it), first));
            noise.ForEach(g => g.Dispose());
        }
        var weights = pipeline.Model.Parameters(trainableOnly: true).SelectMany(p => p.ToFloatArray()).ToArray();
        return new Run(reports, weights);
    }


    [Theory]
    [InlineData("flow_grpo", false)]
    [InlineData("flow_grpo", true)]
    [InlineData("nft", false)]
    [InlineData("dynamic_tree", false)]
    public void TwoRanksTrainAsOneProcessOnAllThePrompts(string strategy, bool shuffle)
    {
        using var one = DataParallel.Single();
        var single = Iterations(strategy, one, shuffle);
        var ranks = Tests.Distributed.Ranks.Run(2, dp => Iterations(strategy, dp, shuffle));

        // both ranks hold the same weights: they took the same steps from the same summed gradients
        Assert.Equal(ranks[0].Weights, ranks[1].Weights);
        double maxRel = 0;
        for (int it = 0; it < 3; it++)
        {
            var (a, b) = (single.Reports[it], ranks[0].Reports[it]);
            // the iteration's own numbers, reported alike on every rank: exact where no float32 sum is reordered
            Assert.Equal(a.RewardMean, b.RewardMean, 5);
            Assert.Equal(a.Update.Edges, b.Update.Edges);
            Assert.Equal(a.Rollout.Leaves, b.Rollout.Leaves);
            Assert.Equal(a.Advantages.ZeroVarianceGroups, b.Advantages.ZeroVarianceGroups);
            Assert.Equal(a.PromptRewardMeans.Count, b.PromptRewardMeans.Count);
            maxRel = Math.Max(maxRel, Math.Abs(a.Update.Loss - b.Update.Loss) / Math.Max(1e-12, Math.Abs(a.Update.Loss)));
            Assert.True(Math.Abs(a.Update.GradNorm - b.Update.GradNorm) <= 1e-3 * a.Update.GradNorm,
                $"iteration {it}: grad norm {a.Update.GradNorm:R} vs {b.Update.GradNorm:R}");
        }
        double maxDiff = single.Weights.Zip(ranks[0].Weights, (x, y) => Math.Abs(x - y)).Max(), scale = single.Weights.Max(Math.Abs);
        output.WriteLine($"{strategy}{(shuffle ? " (shuffled)" : "")}: max relative loss difference {maxRel:G3}; max |Δw| {maxDiff:G3} " +
            $"of max |w| {scale:G3}");
        Assert.True(maxRel < 1e-3, $"loss differs by {maxRel:G3} relative");
        Assert.True(maxDiff <= 1e-4 * scale, $"weights differ by {maxDiff:G3} (max |w| {scale:G3})");
    }
}
