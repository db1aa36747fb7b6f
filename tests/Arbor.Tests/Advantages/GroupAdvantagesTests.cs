using Arbor.Advantages;

namespace Arbor.Tests.Advantages;

public class GroupAdvantagesTests
{
    [Fact]
    public void GlobalStdMatchesHandComputation()
    {
        // groups: A = {1, 3}, B = {0, 0, 6}; batch std of [1,3,0,0,6] = sqrt(mean of squares of deviations from 2)
        double[] r = [1, 3, 0, 0, 6];
        int[] g = [0, 0, 1, 1, 1];
        double std = Math.Sqrt((1 + 1 + 4 + 4 + 16) / 5.0);
        var a = GroupAdvantages.Compute(r, g, new AdvantageConfig());
        double[] expected = [-1 / (std + 1e-4), 1 / (std + 1e-4), -2 / (std + 1e-4), -2 / (std + 1e-4), 4 / (std + 1e-4)];
        for (int i = 0; i < 5; i++) Assert.Equal(expected[i], a.Values[i], 12);
        Assert.All(a.Kept, Assert.True);
        Assert.Equal(2, a.Groups);
        Assert.Equal(0, a.ZeroVarianceGroups);
    }

    [Fact]
    public void GroupStdMatchesHandComputation()
    {
        double[] r = [1, 3, 0, 0, 6];
        int[] g = [0, 0, 1, 1, 1];
        var a = GroupAdvantages.Compute(r, g, new AdvantageConfig { GlobalStd = false });
        double stdB = Math.Sqrt((4 + 4 + 16) / 3.0);
        Assert.Equal(-1 / (1 + 1e-4), a.Values[0], 12);
        Assert.Equal(4 / (stdB + 1e-4), a.Values[4], 12);
    }

    [Fact]
    public void ZeroVarianceGroupsAreDroppedAndCounted()
    {
        double[] r = [0.5, 0.5, 0.5, 0, 1];
        int[] g = [7, 7, 7, 9, 9];
        var a = GroupAdvantages.Compute(r, g, new AdvantageConfig());
        Assert.Equal([false, false, false, true, true], a.Kept);
        Assert.Equal([0.0, 0.0, 0.0], a.Values.Take(3).ToArray());
        Assert.Equal(1, a.ZeroVarianceGroups);
        Assert.Equal(0.5, a.ZeroVarianceShare);
        var kept = GroupAdvantages.Compute(r, g, new AdvantageConfig { DropZeroVariance = false });
        Assert.All(kept.Kept, Assert.True);
        Assert.Equal(1, kept.ZeroVarianceGroups);
    }

    [Fact]
    public void SolvedGroupsAreKeptWithTheirAdvantageAndOtherFlatGroupsStayDropped()
    {
        // two rewards: group 1 has both at their batch best on every image (solved), group 2 is flat but not at the
        // best strict value (all fail alike), group 3 has a spread
        double[] partial = [1, 1, 0.5, 0.5, 0.5, 1];
        double[] strict = [1, 1, 0, 0, 0, 1];
        int[] g = [1, 1, 2, 2, 3, 3];
        var config = new AdvantageConfig { SolvedGroupAdvantage = 0.5 };
        var a = GroupAdvantages.Compute([partial, strict], [1.0, 1.0], g, config);
        var plain = GroupAdvantages.Compute([partial, strict], [1.0, 1.0], g, new AdvantageConfig());
        Assert.Equal([true, true, false, false, true, true], a.Kept);
        Assert.Equal([0.5, 0.5, 0.0, 0.0], a.Values.Take(4).ToArray());
        Assert.Equal(plain.Values[4..], a.Values[4..]);
        Assert.Equal(2, a.ZeroVarianceGroups);   // still counted as groups without a spread
        // bounded by the advantage clip
        var clipped = GroupAdvantages.Compute([partial, strict], [1.0, 1.0], g,
            config with { SolvedGroupAdvantage = 9, AdvantageClip = 2 });
        Assert.Equal(2, clipped.Values[0]);
    }

    [Fact]
    public void AdvantagesAreClipped()
    {
        double[] r = [0, 0, 0, 0, 0, 0, 0, 0, 0, 100];
        var a = GroupAdvantages.Compute(r, new int[10], new AdvantageConfig { AdvantageClip = 2 });
        Assert.Equal(2, a.Values[9]);
        Assert.True(a.Values[0] < 0 && a.Values[0] > -2);
    }

    [Fact]
    public void SeveralRewardsAggregateOnRewardsOrOnAdvantages()
    {
        double[] r1 = [0, 1, 2, 3];
        double[] r2 = [10, 10, 0, 20];
        int[] g = [0, 0, 1, 1];
        var onRewards = GroupAdvantages.Compute([r1, r2], [1.0, 0.5], g, new AdvantageConfig { GlobalStd = false });
        // totals [5, 6, 2, 13]: group 0 mean 5.5 std 0.5, group 1 mean 7.5 std 5.5
        Assert.Equal(-0.5 / (0.5 + 1e-4), onRewards.Values[0], 12);
        Assert.Equal(5.5 / (5.5 + 1e-4), onRewards.Values[3], 12);

        var onAdvantages = GroupAdvantages.Compute([r1, r2], [1.0, 0.5], g,
            new AdvantageConfig { GlobalStd = false, Aggregation = RewardAggregation.Advantage });
        // r1 z-scores: ±0.5/(0.5+ε); r2 z-scores: group 0 flat → 0, group 1 ±10/(10+ε)
        Assert.Equal(-0.5 / (0.5 + 1e-4), onAdvantages.Values[0], 12);
        Assert.Equal(0.5 / (0.5 + 1e-4) + 0.5 * 10 / (10 + 1e-4), onAdvantages.Values[3], 12);
        Assert.Equal(0, onAdvantages.ZeroVarianceGroups);   // group 0 varies in r1
    }

    [Fact]
    public void NonFiniteRewardsAreRejectedByIndex()
    {
        var e = Assert.Throws<ArgumentException>(() => GroupAdvantages.Compute([1, double.NaN], [0, 0], new AdvantageConfig()));
        Assert.Contains("sample 1", e.Message);
    }
}
