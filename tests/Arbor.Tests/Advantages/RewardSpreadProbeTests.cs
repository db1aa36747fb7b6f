using Arbor.Advantages;
using Arbor.Sampling.Steps;
using Arbor.Tensors;
using Arbor.Tests.Rollouts;

namespace Arbor.Tests.Advantages;

public class RewardSpreadProbeTests
{
    [Fact]
    public void DecomposeMatchesHandComputedComponents()
    {
        // prompt 1: two noises with no spread inside, far apart (all variance between x_T)
        // prompt 2: two noises with identical spread inside (all variance within x_T)
        double[][][] cells = [[[0, 0], [1, 1]], [[0, 1], [0, 1]]];
        var (between, within, spread) = RewardSpreadProbe.Decompose(cells);
        Assert.Equal((0.5 + 0) / 2, between, 12);     // var(0, 1) = 0.5; var(0.5, 0.5) − 0.5/2 floors at 0
        Assert.Equal((0 + 0.5) / 2, within, 12);      // var(0, 1) = 0.5 in both cells of prompt 2
        Assert.Equal(0.5, spread, 12);                // 2 of the 4 same-x_T groups have spread
    }

    [Fact]
    public void WithoutSdeNoiseEveryContinuationOfANoiseIsTheSameImage()
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(5);
        long baseline = Torch.UnreleasedTensors;
        string[] prompts = ["a red circle", "a blue square"];
        var still = RewardSpreadProbe.Run(pipeline, new RednessReward(), prompts, [(0, 4)], noises: 3, continuations: 2, steps: 4,
            new FlowGrpoSdeStep(0), guidance: 3.0, seed: 7).Single();
        var noisy = RewardSpreadProbe.Run(pipeline, new RednessReward(), prompts, [(0, 4)], noises: 3, continuations: 2, steps: 4,
            new FlowGrpoSdeStep(0.7), guidance: 3.0, seed: 7).Single();
        Assert.Equal(0, still.WithinNoise);
        Assert.Equal(0, still.SpreadGroupShare);
        Assert.True(still.BetweenNoise > 0);          // different x_T, different images
        Assert.True(noisy.WithinNoise > 0);
        Assert.Equal(1, noisy.SpreadGroupShare);
        Assert.Equal(baseline, Torch.UnreleasedTensors);
    }

    [Fact]
    public void AWindowOutsideTheStepsIsAClearError()
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(5);
        var error = Assert.Throws<ArgumentException>(() => RewardSpreadProbe.Run(pipeline, new RednessReward(), ["a red circle"], [(2, 6)],
            noises: 2, continuations: 2, steps: 4, new FlowGrpoSdeStep(0.7), guidance: 3.0, seed: 7));
        Assert.Contains("2-6", error.Message);
    }
}
