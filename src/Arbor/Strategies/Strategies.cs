using Arbor.Rollouts;
using Arbor.Strategies.DynamicTree;
using Arbor.Training;

namespace Arbor.Strategies;

/// <summary>The strategy a config names, built from its section.</summary>
public static class Strategies
{
    public static readonly string[] Names = ["flow_grpo", "dance_grpo", "mix_grpo", "tree_grpo", "branch_grpo", "dynamic_tree", "nft", "awm"];

    public static IRolloutStrategy Create(GrpoTrainConfig config) => config.Strategy switch
    {
        "flow_grpo" => new FlowGrpoStrategy(config.FlowGrpo),
        "dance_grpo" => new DanceGrpoStrategy(config.DanceGrpo),
        "mix_grpo" => new MixGrpoStrategy(config.MixGrpo),
        "tree_grpo" => new TreeGrpoStrategy(config.TreeGrpo),
        "branch_grpo" => new BranchGrpoStrategy(config.BranchGrpo),
        "dynamic_tree" => new DynamicTreeStrategy(config.DynamicTree, config.Loss.ClipRange),
        "nft" => new ForwardProcessStrategy("nft", config.Nft),
        "awm" => new ForwardProcessStrategy("awm", config.Awm),
        _ => throw new ArgumentException($"unknown strategy '{config.Strategy}'"),
    };
}
