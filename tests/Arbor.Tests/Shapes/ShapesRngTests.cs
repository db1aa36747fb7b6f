using Arbor.Shapes;

namespace Arbor.Tests.Shapes;

public class ShapesRngTests
{
    [Fact]
    public void MatchesTheSplitMix64ReferenceOutputs()
    {
        // Reference values of SplitMix64 seeded with 0 (Vigna's splitmix64.c): fixes the stream on every machine.
        var rng = new ShapesRng(0);
        Assert.Equal(0xE220A8397B1DCDAFUL, rng.NextUInt64());
        Assert.Equal(0x6E789E6AA1B965F4UL, rng.NextUInt64());
        Assert.Equal(0x06C45D188009454FUL, rng.NextUInt64());
    }

    [Fact]
    public void SameSeedSameStream_DifferentSeedOrKeyDifferentStream()
    {
        var a = new ShapesRng(42);
        var b = new ShapesRng(42);
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
        Assert.NotEqual(new ShapesRng(42).NextUInt64(), new ShapesRng(43).NextUInt64());
        Assert.Equal(ShapesRng.Derive(7, 1, 2).NextUInt64(), ShapesRng.Derive(7, 1, 2).NextUInt64());
        Assert.NotEqual(ShapesRng.Derive(7, 1, 2).NextUInt64(), ShapesRng.Derive(7, 2, 1).NextUInt64());
        Assert.NotEqual(ShapesRng.Derive(7, 0).NextUInt64(), ShapesRng.Derive(7).NextUInt64());
    }

    [Fact]
    public void NextIntIsInRangeAndRoughlyUniform()
    {
        var rng = new ShapesRng(5);
        var counts = new int[6];
        for (int i = 0; i < 60_000; i++) counts[rng.NextInt(6)]++;
        Assert.All(counts, c => Assert.InRange(c, 9_400, 10_600));
        for (int i = 0; i < 1000; i++) Assert.InRange(rng.NextDouble(), 0.0, 0.9999999999999999);
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(0));
    }

    [Fact]
    public void PickWeightedFollowsTheWeightsAndNeverPicksZeroWeight()
    {
        var rng = new ShapesRng(9);
        var counts = new int[3];
        for (int i = 0; i < 40_000; i++) counts[rng.PickWeighted([1.0, 0.0, 3.0])]++;
        Assert.Equal(0, counts[1]);
        Assert.InRange(counts[2] / (double)counts[0], 2.8, 3.2);
        Assert.Throws<ArgumentException>(() => rng.PickWeighted([0.0, 0.0]));
    }
}
