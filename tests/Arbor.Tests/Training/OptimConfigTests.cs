using Arbor.Configuration;
using Arbor.Training;

namespace Arbor.Tests.Training;

/// <summary>The policy's learning rate over a run: constant by default, or half a cosine to min_learning_rate.</summary>
public class OptimConfigTests
{
    [Fact]
    public void ConstantIsTheLearningRateAtEveryIteration()
    {
        var optim = new OptimConfig { LearningRate = 3e-4 };
        Assert.All(new long[] { 0, 1, 60, 119, 500 }, i => Assert.Equal(3e-4, optim.LearningRateAt(i, 120)));
    }

    [Fact]
    public void CosineFallsFromTheLearningRateToItsMinimumAtTheLastIteration()
    {
        var optim = new OptimConfig { LearningRate = 3e-4, Decay = LearningRateDecay.Cosine, MinLearningRate = 1e-5 };
        Assert.Equal(3e-4, optim.LearningRateAt(0, 120), 15);
        Assert.Equal(1e-5 + (3e-4 - 1e-5) / 2, optim.LearningRateAt(60, 120), 15);
        Assert.Equal(1e-5 + (3e-4 - 1e-5) * 0.5 * (1 + Math.Cos(Math.PI * 90 / 120)), optim.LearningRateAt(90, 120), 15);
        Assert.Equal(1e-5, optim.LearningRateAt(120, 120), 15);
        for (long i = 1; i < 120; i++) Assert.True(optim.LearningRateAt(i, 120) < optim.LearningRateAt(i - 1, 120));
    }

    [Fact]
    public void DecayIterationsSetTheHorizonInPlaceOfTheRunsLength()
    {
        // a --minutes run passes 100,000 iterations; the cosine must still end where decay_iterations says
        var optim = new OptimConfig { LearningRate = 3e-4, Decay = LearningRateDecay.Cosine, DecayIterations = 400 };
        Assert.Equal(3e-4, optim.LearningRateAt(0, 100_000), 15);
        Assert.Equal(1.5e-4, optim.LearningRateAt(200, 100_000), 15);
        Assert.Equal(0, optim.LearningRateAt(400, 100_000), 15);
        Assert.Equal(0, optim.LearningRateAt(1000, 100_000), 15);
        Assert.Equal(optim.LearningRateAt(200, 400), (optim with { DecayIterations = 0 }).LearningRateAt(200, 400), 15);
    }

    [Fact]
    public void TheYamlNamesAndBadMinimumsAreChecked()
    {
        var config = ConfigLoader.Parse<GrpoTrainConfig>("optim:\n  decay: cosine\n  min_learning_rate: 1.0e-5\n");
        Assert.Equal(LearningRateDecay.Cosine, config.Optim.Decay);
        Assert.Equal(1e-5, config.Optim.MinLearningRate);
        Assert.Equal(400, ConfigLoader.Parse<GrpoTrainConfig>("optim:\n  decay_iterations: 400\n").Optim.DecayIterations);
        Assert.Contains("optim.decay_iterations must be >= 0 (got -1)",
            new GrpoTrainConfig { Optim = new() { DecayIterations = -1 } }.Problems());
        Assert.Contains("optim.min_learning_rate must be in [0, learning_rate] (got 0.001)",
            new GrpoTrainConfig { Optim = new() { MinLearningRate = 1e-3 } }.Problems());
        Assert.Contains(new GrpoTrainConfig { Optim = new() { MinLearningRate = -1 } }.Problems(),
            p => p.StartsWith("optim.min_learning_rate", StringComparison.Ordinal));
    }
}
