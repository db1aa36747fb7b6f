using Arbor.Configuration;
using Arbor.Strategies;
using Arbor.Tensors;
using Arbor.TestKit;
using Arbor.Training;

namespace Arbor.Tests.Training;

public sealed class GradientNoiseProbeTests : IDisposable
{
    private readonly TempDirectory _temp = new("arbor-gradient-noise-");
    public void Dispose() => _temp.Dispose();

    private GrpoTrainConfig NftConfig() => GrpoTrainerTests.Config(GrpoTrainerTests.SaveTinyBaseInto(_temp.Path), 1) with
    {
        Strategy = "nft",
        Nft = new NftConfig { Steps = 3, GroupSize = 4, TimesPerImage = 2, RefWeight = 0 },
    };

    [Fact]
    public void TheProbeMeasuresEveryTrainedTimeUnderTheRewardsAndTheNullAndRepeatsBitForBit()
    {
        var config = NftConfig();
        var design = new GradientNoiseDesign(PromptSets: 2, Rollouts: 2, Renoisings: 2);
        long baseline = Torch.UnreleasedTensors;
        var first = GradientNoiseProbe.Run(config, design);
        Assert.Equal(baseline, Torch.UnreleasedTensors);

        // the whole gradient, then one view per time of the 3-step schedule the loss draws its noised copies at
        Assert.Equal(4, first.Views.Count);
        Assert.Null(first.Views[0].Time);
        Assert.Equal(1.0, first.Views[1].Time);
        var times = first.Views.Skip(1).Select(v => v.Time!.Value).ToList();
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.True(pair.First > pair.Second));
        Assert.All(first.Views, v => Assert.True(v.Rewarded.IterationVariance > 0 && v.Shuffled.IterationVariance > 0));
        // LoRA rank 2 on the tiny DiT's matrices: A (2 x in) and B (out x 2) per adapted layer
        Assert.True(first.Parameters > 0);

        // nothing carries over between probes (the weights never step, the old policy never moves): the same numbers
        var second = GradientNoiseProbe.Run(config, design);
        Assert.Equal(first.Views, second.Views);
    }

    [Fact]
    public void APolicyGradientConfigOrJitteredTimesAreRefusedNamingWhy()
    {
        var config = NftConfig();
        var e = Assert.Throws<ConfigException>(() =>
            GradientNoiseProbe.Run(config with { Strategy = "flow_grpo" }, new GradientNoiseDesign()));
        Assert.Contains("'flow_grpo' trains by the policy gradient", e.Message);
        e = Assert.Throws<ConfigException>(() => GradientNoiseProbe.Run(config with { Nft = config.Nft with { JitterTimes = true } },
            new GradientNoiseDesign()));
        Assert.Contains("turn jitter_times off", e.Message);
        var small = Assert.Throws<ArgumentException>(() => GradientNoiseProbe.Run(config, new GradientNoiseDesign(Rollouts: 1)));
        Assert.Contains("at least 2 prompt sets, 2 rollouts and 2 re-noisings", small.Message);
    }
}
