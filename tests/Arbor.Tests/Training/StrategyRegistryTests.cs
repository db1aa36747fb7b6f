using Arbor.Configuration;
using Arbor.Training;

namespace Arbor.Tests.Training;

public class StrategyRegistryTests
{
    [Fact]
    public void EveryEntryBuildsAStrategyOfItsOwnNameFromItsDefaultSection()
    {
        foreach (var entry in StrategyRegistry.All)
        {
            var config = new GrpoTrainConfig { Strategy = entry.Name, Lora = new LoraConfig { Enabled = true } };
            Assert.Empty(config.Problems());
            Assert.Equal(entry.Name, StrategyRegistry.Create(config).Name);
        }
        Assert.Equal(8, StrategyRegistry.Names.Count);
    }

    [Fact]
    public void EachEntrysLogProbabilityFlagIsWhatItsBuiltLossReports()
    {
        // the guidance-interval check reads the entry's flag before any loss exists; the engine's folding reads the loss
        using var pipeline = Rollouts.RolloutEngineTests.TinyPipeline(4);
        foreach (var entry in StrategyRegistry.All)
        {
            var config = new GrpoTrainConfig { Strategy = entry.Name, Lora = new LoraConfig { Enabled = true } };
            var strategy = StrategyRegistry.Create(config);
            var trainer = PolicyUpdates.Create(config, pipeline, strategy, new Arbor.Rollouts.RolloutEngine(pipeline, config.Rollout));
            using var dispose = trainer as IDisposable;
            Assert.True(entry.ReadsRolloutLogProbs == trainer.UsesRolloutLogProbs, entry.Name);
        }
        Assert.Equal(["nft", "awm"], StrategyRegistry.All.Where(e => !e.ReadsRolloutLogProbs).Select(e => e.Name));
    }

    [Fact]
    public void AnUnknownStrategyIsAConfigErrorListingTheKnownOnes()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>("strategy: flow_gpro\n", "t.yaml"));
        Assert.Contains("strategy 'flow_gpro' is unknown (expected flow_grpo, dance_grpo, mix_grpo, tree_grpo, branch_grpo, " +
            "dynamic_tree, nft, awm)", e.Message);
        var thrown = Assert.Throws<ArgumentException>(() => StrategyRegistry.Find("flow_gpro"));
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
