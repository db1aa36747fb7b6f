using Arbor.Configuration;
using Arbor.Training;

namespace Arbor.Tests.Training;

public class StrategyRegistryTests
{
    [Fact]
    public void EveryEntryBuildsAStrategyOfItsOwnNameFromItsDefaultSection()
    {
        foreach (var entry in Strategies.Strategies.All)
        {
            var config = new GrpoTrainConfig { Strategy = entry.Name, Lora = new LoraConfig { Enabled = true } };
            Assert.Empty(config.Problems());
            Assert.Equal(entry.Name, Strategies.Strategies.Create(config).Name);
        }
        Assert.Equal(8, Strategies.Strategies.Names.Count);
    }

    [Fact]
    public void AnUnknownStrategyIsAConfigErrorListingTheKnownOnes()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>("strategy: flow_gpro\n", "t.yaml"));
        Assert.Contains("strategy 'flow_gpro' is unknown (expected flow_grpo, dance_grpo, mix_grpo, tree_grpo, branch_grpo, " +
            "dynamic_tree, nft, awm)", e.Message);
        var thrown = Assert.Throws<ArgumentException>(() => Strategies.Strategies.Find("flow_gpro"));
        Assert.Contains("expected flow_grpo", thrown.Message);
    }

    [Fact]
    public void AForwardProcessStrategyWithoutLoraIsAConfigErrorFromItsEntry()
    {
        var e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Parse<GrpoTrainConfig>("strategy: awm\nlora:\n  enabled: false\n", "t.yaml"));
        Assert.Contains("awm keeps its old policy as a second copy of the LoRA weights: lora.enabled must be true", e.Message);
    }
}
