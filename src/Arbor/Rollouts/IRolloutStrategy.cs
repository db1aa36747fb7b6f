using Arbor.Sampling.Steps;

namespace Arbor.Rollouts;

/// <summary>
/// A rollout strategy (ALGORITHMS.md §5): it decides, step by step, which nodes advance by ODE or SDE,
/// how many children each spawns and with what noise, and which edges are trained. The engine does
/// the rest (batching, CFG, sampling, log-probabilities, NFE), identically for every strategy.
/// </summary>
public interface IRolloutStrategy
{
    string Name { get; }
    /// <summary>Rollout steps T.</summary>
    int Steps { get; }
    /// <summary>Trees (root noises) per prompt.</summary>
    int TreesPerPrompt { get; }
    /// <summary>Whether every tree of a prompt starts from the same noise (DanceGRPO, TreeGRPO's shared root).</summary>
    bool SharedRootNoise { get; }
    /// <summary>The SDE used at stochastic steps.</summary>
    IDenoisingStep SdeStep { get; }

    /// <summary>Called once per training iteration, before its rollout (window placement, random step choices).</summary>
    void BeginIteration(long iteration, Random random);

    /// <summary>How <paramref name="node"/> (at its step) advances.</summary>
    NodeExpansion Expand(RolloutNode node);

    /// <summary>How leaf rewards become edge advantages (flat strategies: along each path).</summary>
    EdgeAdvantageMode AdvantageMode => EdgeAdvantageMode.Path;

    /// <summary>β_f of depth normalization's path-weighted node values (BranchGRPO's fusion temperature; 1 elsewhere).</summary>
    double FusionTemperature => 1.0;
}
