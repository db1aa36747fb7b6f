using Arbor.Advantages;
using Arbor.Configuration;
using Arbor.Rollouts;
using Arbor.Strategies;
using Arbor.Tensors;
using Arbor.Tests.Rollouts;
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
            Assert.Equal(4, forest.Roots.Count());
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
}
