using Arbor.Configuration;
using Arbor.Strategies;
using Arbor.Training;

namespace Arbor.Tests.Training;

public class OldPolicyDecayTests
{
    [Fact]
    public void TheDefaultRampIsDiffusionNftsFirstSchedule()
    {
        var nft = new NftConfig();
        Assert.Equal(new[] { 0, 0.001, 0.1, 0.5, 0.5 }, new long[] { 0, 1, 100, 500, 5000 }.Select(n => nft.OldDecayAt(n)), Close);
    }

    [Fact]
    public void AFlatStartKeepsTheOldPolicyTheTrainedOneUntilTheRampBegins()
    {
        // DiffusionNFT's decay_type 2: flat 75, rate 0.0075, max 0.999
        var nft = ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: nft\nlora:\n  enabled: true\nnft:\n  old_decay_flat: 75\n  old_decay_rate: 0.0075\n  old_decay_max: 0.999\n",
            "t.yaml").Nft;
        Assert.Equal(75, nft.OldDecayFlat);
        Assert.Equal(new[] { 0, 0, 0, 0.0075, 0.75, 0.999, 0.999 },
            new long[] { 0, 74, 75, 76, 175, 209, 1000 }.Select(n => nft.OldDecayAt(n)), Close);

        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: nft\nlora:\n  enabled: true\nnft:\n  old_decay_flat: -1\n", "t.yaml"));
        Assert.Contains("nft.old_decay_flat must be >= 0", e.Message);
    }

    [Fact]
    public void TheWarmupScheduleIgnoresTheRamp()
    {
        var nft = new NftConfig { OldDecaySchedule = OldDecaySchedule.Warmup, OldDecayFlat = 75 };
        Assert.Equal(new[] { 0.1, 0.5, 0.5 }, new long[] { 0, 8, 100 }.Select(n => nft.OldDecayAt(n)), Close);
    }

    private static readonly IEqualityComparer<double> Close = EqualityComparer<double>.Create((a, b) => Math.Abs(a - b) < 1e-12);
}
