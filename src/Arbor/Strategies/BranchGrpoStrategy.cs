using Arbor.Advantages;
using Arbor.Rollouts;
using Arbor.Sampling.Steps;

namespace Arbor.Strategies;

/// <summary>BranchGRPO (ALGORITHMS.md §5.5) settings. Depth and width pruning are not implemented yet.</summary>
public sealed record BranchGrpoConfig
{
    /// <summary>Rollout steps (paper: 20).</summary>
    public int Steps { get; init; } = 20;
    /// <summary>Steps at which every node splits (paper: {0, 3, 6, 9}).</summary>
    public List<int> SplitSteps { get; init; } = [0, 3, 6, 9];
    /// <summary>Children per split K (paper: 2).</summary>
    public int Branching { get; init; } = 2;
    /// <summary>Sibling noise correlation s: ξ_b = (ξ_0 + s·η_b)/sqrt(1 + s²) (paper: 4).</summary>
    public double NoiseCorrelation { get; init; } = 4.0;
    public double NoiseLevel { get; init; } = 0.7;
    /// <summary>β_f of the path-weighted reward fusion (0 = plain mean).</summary>
    public double FusionTemperature { get; init; } = 1.0;
}

/// <summary>
/// Splits at fixed steps into K children with correlated noise (each child marginally the baseline
/// step, so its log-prob is the baseline density); SDE at every other step; every SDE edge trained but
/// the last step's; depth-normalized advantages with path-weighted fusion.
/// </summary>
public sealed class BranchGrpoStrategy(BranchGrpoConfig config) : IRolloutStrategy
{
    public string Name => "branch_grpo";
    public int Steps => config.Steps;
    public int TreesPerPrompt => 1;
    public bool SharedRootNoise => false;
    public IDenoisingStep SdeStep { get; } = new FlowGrpoSdeStep(config.NoiseLevel);
    public EdgeAdvantageMode AdvantageMode => EdgeAdvantageMode.DepthNormalized;

    public void BeginIteration(long iteration, Random random) { }

    public NodeExpansion Expand(RolloutNode node)
    {
        bool trained = node.Step < config.Steps - 1;
        return config.SplitSteps.Contains(node.Step)
            ? new NodeExpansion(config.Branching, true, trained, 1.0, config.NoiseCorrelation)
            : NodeExpansion.Sde(trained);
    }
}
