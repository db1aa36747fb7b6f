using Arbor.Rollouts;
using Arbor.Strategies;
using Arbor.Tensors;

namespace Arbor.Tests.Rollouts;

public class UntrainedStepsTests
{
    [Theory]
    [InlineData(UntrainedSteps.Sde)]
    [InlineData(UntrainedSteps.Ode)]
    public void FlowGrpoAdvancesItsUntrainedStepsAsConfigured(UntrainedSteps untrained)
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(41);
        // T = 5, the first 2 steps trained
        var strategy =
            new FlowGrpoStrategy(new FlowGrpoConfig { Steps = 5, GroupSize = 3, TrainFraction = 0.4, UntrainedSteps = untrained });
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0 });
        using var conditioning = new PromptConditioning(pipeline, ["a circle"], 1.0);
        using var gen = new Generator(42);
        using var forest = engine.Run(["a circle"], strategy, conditioning, gen);
        Assert.All(forest.Edges, e => Assert.Equal(e.Step < 2, e.Trained));
        Assert.All(forest.Edges.Where(e => e.Step < 2), e => Assert.True(e.Stochastic));
        Assert.All(forest.Edges.Where(e => e.Step >= 2), e => Assert.Equal(untrained == UntrainedSteps.Sde, e.Stochastic));
    }
}
