using Arbor.Strategies.DynamicTree;

namespace Arbor.Tests.Advantages;

public class DynamicTreeTests
{
    [Fact]
    public void AdaptiveClipIsTheMidpointAtZeroAndGrowsWithTheAdvantage()
    {
        var clip = AdaptiveClipping.FromBase(1e-4);
        Assert.Equal(0.5 * (0.5e-4 + 2e-4), clip.Epsilon(0), 15);
        Assert.True(clip.Epsilon(1) > clip.Epsilon(0));
        Assert.True(clip.Epsilon(3) > clip.Epsilon(1));
        Assert.True(clip.Epsilon(-2) < clip.Epsilon(0));
        Assert.InRange(clip.Epsilon(50), 1.999e-4, 2e-4);
        Assert.InRange(clip.Epsilon(-50), 0.5e-4, 0.5001e-4);
    }

    [Fact]
    public void LayerTuningWeightsAreZeroOnTheBestPathAndInUnitIntervalElsewhere()
    {
        var (forest, a, b, c) = TreeBackupTests.HandMadeTree();
        var leaves = forest.Leaves;
        leaves[0].Reward = 1.0;
        leaves[1].Reward = 0.0;
        leaves[2].Reward = 3.0;    // best leaf, below c
        var targets = LayerTuning.Targets(forest);
        Assert.Equal(2, targets.Count);                                // window nodes: a (branches) and b (branches)
        Assert.All(targets, t => Assert.Same(leaves[2], t.BestLeaf));
        Assert.Equal(0.0, targets.Single(t => t.Node == a).Weight);    // a is on the best path
        var wb = targets.Single(t => t.Node == b).Weight;
        // V(b) = tanh(0.5)·… backed up: softmax(0.5, −0.5)·[1, 0]; V(best) = 3; min over window and leaves = 0
        double vb = Math.Exp(0.5) / (Math.Exp(0.5) + Math.Exp(-0.5));
        Assert.Equal((3 - vb) / (3 - 0 + 1e-6), wb, 9);
        Assert.InRange(wb, 0, 1);
    }
}
