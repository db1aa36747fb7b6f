using Arbor.Advantages;

namespace Arbor.Tests.Advantages;

public class DepthNormalizationTests
{
    [Fact]
    public void PathWeightedFusionAndDepthNormalizationMatchHandComputation()
    {
        var (forest, a, b, c) = TreeBackupTests.HandMadeTree();
        var leaves = forest.Leaves;
        leaves[0].Reward = 1.0;   // L1 via a→b (−1), b→L1 (0.5)
        leaves[1].Reward = 0.0;   // L2 via a→b (−1), b→L2 (−0.5)
        leaves[2].Reward = 3.0;   // L3 via a→c (−2), c→L3 (ODE)

        var values = DepthNormalization.NodeValues(forest, 1.0);
        double vb = Math.Exp(0.5) / (Math.Exp(0.5) + Math.Exp(-0.5)) * 1.0;                 // softmax over b's two leaves
        Assert.Equal(vb, values[b], 12);
        Assert.Equal(3.0, values[c], 12);
        double[] logp = [-0.5, -1.5, -2.0];
        double z = logp.Sum(Math.Exp);
        Assert.Equal((Math.Exp(-0.5) * 1 + Math.Exp(-1.5) * 0 + Math.Exp(-2.0) * 3) / z, values[a], 12);

        var plain = DepthNormalization.NodeValues(forest, 0.0);                                 // β_f = 0: the plain mean
        Assert.Equal(4.0 / 3, plain[a], 12);
        Assert.Equal(0.5, plain[b], 12);

        DepthNormalization.Assign(forest);
        // depth (step) 2 holds b and c only: standardized to ∓1
        Assert.Equal(-1.0, b.Incoming!.Advantage, 6);
        Assert.Equal(1.0, c.Incoming!.Advantage, 6);
        // step 3 holds the three leaves: z-scores of [1, 0, 3]
        double m = 4.0 / 3, s = Math.Sqrt(((1 - m) * (1 - m) + m * m + (3 - m) * (3 - m)) / 3);
        Assert.Equal((3 - m) / s, leaves[2].Incoming!.Advantage, 6);
        Assert.Equal(0.0, a.Incoming!.Advantage, 6);                                            // alone at its depth
    }
}
