using Arbor.Rollouts;
using Arbor.Training;

namespace Arbor.Strategies;

/// <summary>The strategy a config names, built from its section.</summary>
public static class Strategies
{
    public static IRolloutStrategy Create(GrpoTrainConfig config) => config.Strategy switch
    {
        "flow_grpo" => new FlowGrpoStrategy(config.FlowGrpo),
        "dance_grpo" => new DanceGrpoStrategy(config.DanceGrpo),
        "mix_grpo" => new MixGrpoStrategy(config.MixGrpo),
        _ => throw new ArgumentException($"unknown strategy '{config.Strategy}'"),
    };
}
