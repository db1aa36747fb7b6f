using Arbor.Configuration;
using Arbor.Sampling.Steps;
using Arbor.Training;

namespace Arbor.Tests.Rollouts;

public class SdeKindTests
{
    [Theory]
    [InlineData("flow_grpo")]
    [InlineData("mix_grpo")]
    [InlineData("tree_grpo")]
    [InlineData("branch_grpo")]
    [InlineData("dynamic_tree")]
    [InlineData("nft")]
    [InlineData("awm")]
    public void EveryFlowSdeStrategyCanSampleWithCps(string name)
    {
        var yaml = $"strategy: {name}\nlora:\n  enabled: true\n{name}:\n  sde_kind: cps\n  noise_level: 0.5\n";
        var strategy = StrategyRegistry.Create(ConfigLoader.Parse<GrpoTrainConfig>(yaml, "t.yaml"));
        var cps = Assert.IsType<CpsStep>(strategy.SdeStep);
        Assert.Equal(0.5, cps.NoiseLevel);
        var byDefault =
            StrategyRegistry.Create(ConfigLoader.Parse<GrpoTrainConfig>($"strategy: {name}\nlora:\n  enabled: true\n", "t.yaml"));
        Assert.IsType<FlowGrpoSdeStep>(byDefault.SdeStep);
    }

    [Fact]
    public void AnUnknownSdeKindIsAConfigErrorAtItsLine()
    {
        var e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Parse<GrpoTrainConfig>("strategy: flow_grpo\nflow_grpo:\n  sde_kind: ddpm\n", "t.yaml"));
        Assert.Contains("sde_kind", e.Message);
    }
}
