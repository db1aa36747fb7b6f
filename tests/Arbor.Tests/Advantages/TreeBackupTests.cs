using Arbor.Advantages;
using Arbor.Rollouts;

namespace Arbor.Tests.Advantages;

public class TreeBackupTests
{
    /// <summary>
    /// root(step 0) →ODE→ a(1) ⇉ {b(2), c(2)} ; b ⇉ {L1, L2} ; c →ODE→ L3
    /// with log π_old: a→b −1, a→c −2, b→L1 0.5, b→L2 −0.5.
    /// </summary>
    internal static (RolloutForest Forest, RolloutNode A, RolloutNode B, RolloutNode C) HandMadeTree()
    {
        var f = new RolloutForest(["p"], 3);
        var root = f.Add(0, 0, 0, 0, null);
        var a = f.Add(0, 0, 1, 0, new RolloutEdge(root, 0, false, false, 1));
        RolloutNode Child(RolloutNode parent, bool stochastic, double logp)
        {
            var e = new RolloutEdge(parent, parent.Step, stochastic, stochastic, 1) { LogProbOld = logp };
            return f.Add(0, 0, parent.Step + 1, parent.Depth + (stochastic ? 1 : 0), e);
        }
        var b = Child(a, true, -1);
        var c = Child(a, true, -2);
        Child(b, true, 0.5);
        Child(b, true, -0.5);
        Child(c, false, 0);
        return (f, a, b, c);
    }

    [Fact]
    public void BackupOnAHandMadeTreeEqualsHandComputedAdvantages()
    {
        var (forest, a, b, c) = HandMadeTree();
        Assert.Equal(3, forest.Leaves.Count);
        double[] leafA = [1.0, -1.0, 2.0];      // L1, L2, L3 in creation order
        TreeBackup.Assign(forest, leafA);

        double wL1 = Math.Exp(0.5) / (Math.Exp(0.5) + Math.Exp(-0.5));
        double vb = wL1 * 1.0 + (1 - wL1) * -1.0;                      // = tanh(0.5)
        double vc = 2.0;                                                // ODE edge copies its child
        double wb = Math.Exp(-1) / (Math.Exp(-1) + Math.Exp(-2));
        double va = wb * vb + (1 - wb) * vc;

        var leaves = forest.Leaves;
        Assert.Equal(1.0, leaves[0].Incoming!.Advantage);
        Assert.Equal(-1.0, leaves[1].Incoming!.Advantage);
        Assert.Equal(2.0, leaves[2].Incoming!.Advantage);
        Assert.Equal(vb, b.Incoming!.Advantage, 12);
        Assert.Equal(Math.Tanh(0.5), b.Incoming!.Advantage, 12);
        Assert.Equal(vc, c.Incoming!.Advantage, 12);
        Assert.Equal(va, a.Incoming!.Advantage, 12);                    // root → a is an ODE edge: copies a's value
    }

    [Fact]
    public void ASolvedTreeBacksUpItsSolvedAdvantageOnEveryEdge()
    {
        // every leaf at the best reward: dropped by default (no spread), kept with the solved advantage when set
        var (forest, _, _, _) = HandMadeTree();
        double[] rewards = [2.0, 2.0, 2.0];
        var dropped = EdgeAdvantages.Assign(forest, EdgeAdvantageMode.TreeBackup, [rewards], [1.0], new AdvantageConfig());
        Assert.All(dropped.Kept, Assert.False);
        Assert.All(forest.Edges, e => Assert.Equal(0.0, e.Advantage));
        var solved = EdgeAdvantages.Assign(forest, EdgeAdvantageMode.TreeBackup, [rewards], [1.0],
            new AdvantageConfig { SolvedGroupAdvantage = 0.5 });
        Assert.All(solved.Kept, Assert.True);
        Assert.All(forest.Edges, e => Assert.Equal(0.5, e.Advantage, 12));
    }

    [Fact]
    public void MeanBackupAveragesTheChildren()
    {
        var (forest, a, b, c) = HandMadeTree();
        TreeBackup.Assign(forest, [1.0, -1.0, 2.0], BackupWeights.Mean);
        Assert.Equal(0.0, b.Incoming!.Advantage, 12);                  // (1 − 1)/2
        Assert.Equal(2.0, c.Incoming!.Advantage, 12);
        Assert.Equal(1.0, a.Incoming!.Advantage, 12);                  // (0 + 2)/2, copied up the ODE edge
    }

    [Fact]
    public void TheParentBaselineCreditsEachEdgeWithWhatItChanged()
    {
        var (forest, a, b, c) = HandMadeTree();
        TreeBackup.Assign(forest, [1.0, -1.0, 2.0], BackupWeights.Mean, EdgeBaseline.Parent);
        var leaves = forest.Leaves;
        // V(b) = 0, V(c) = 2, V(a) = 1, V(root) = V(a) = 1
        Assert.Equal(1.0, leaves[0].Incoming!.Advantage, 12);          // 1 − V(b)
        Assert.Equal(-1.0, leaves[1].Incoming!.Advantage, 12);
        Assert.Equal(0.0, leaves[2].Incoming!.Advantage, 12);          // ODE edge c → L3: nothing to compare with
        Assert.Equal(-1.0, b.Incoming!.Advantage, 12);                 // V(b) − V(a)
        Assert.Equal(1.0, c.Incoming!.Advantage, 12);
        Assert.Equal(0.0, a.Incoming!.Advantage, 12);                  // root → a: one child

        // with softmax weights the siblings' weighted advantages sum to zero at every branching node
        TreeBackup.Assign(forest, [1.0, -1.0, 2.0], BackupWeights.Softmax, EdgeBaseline.Parent);
        foreach (var node in forest.Nodes.Where(n => n.Children.Count > 1))
        {
            double max = node.Children.Max(e => e.LogProbOld);
            var w = node.Children.Select(e => Math.Exp(e.LogProbOld - max)).ToArray();
            Assert.Equal(0.0, node.Children.Select((e, i) => w[i] * e.Advantage).Sum() / w.Sum(), 12);
        }
    }

    [Fact]
    public void ALeafCountMismatchIsAnError()
    {
        var (forest, _, _, _) = HandMadeTree();
        Assert.Throws<ArgumentException>(() => TreeBackup.Assign(forest, [1.0, 2.0]));
    }
}
