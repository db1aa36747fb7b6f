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

    [Fact]
    public void PathSftCreditsTheBestPathsTrainedEdgesWithTheirProgressInAdvantageUnits()
    {
        var (forest, a, b, _) = TreeBackupTests.HandMadeTree();
        var leaves = forest.Leaves;
        leaves[0].Reward = 1.0;    // best leaf L1, under b
        leaves[1].Reward = 0.0;
        leaves[2].Reward = 0.5;
        var progress = Arbor.Strategies.DynamicTree.LayerTuning.BestPathProgress(forest).ToDictionary(p => p.Edge, p => p.Progress);

        double wL1 = Math.Exp(0.5) / (Math.Exp(0.5) + Math.Exp(-0.5));
        double vb = wL1;                                   // softmax backup of (1, 0)
        double wb = Math.Exp(-1) / (Math.Exp(-1) + Math.Exp(-2));
        double va = wb * vb + (1 - wb) * 0.5;
        double sd = Math.Sqrt((0.25 + 0.25 + 0) / 3);      // leaf rewards 1, 0, 0.5 around 0.5
        Assert.Equal(2, progress.Count);                   // root → a is an untrained ODE edge
        Assert.Equal((1 - vb) / (sd + 1e-4), progress[leaves[0].Incoming!], 12);
        Assert.Equal((vb - va) / (sd + 1e-4), progress[b.Incoming!], 12);
        Assert.DoesNotContain(a.Incoming!, progress.Keys);

        // no spread among a tree's leaves: no best path, no credit
        foreach (var l in leaves) l.Reward = 0.3;
        Assert.Empty(Arbor.Strategies.DynamicTree.LayerTuning.BestPathProgress(forest));
    }
}
