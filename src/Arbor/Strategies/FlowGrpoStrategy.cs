using Arbor.Rollouts;
using Arbor.Sampling.Steps;

namespace Arbor.Strategies;

/// <summary>Flow-GRPO (ALGORITHMS.md §5.1) settings; defaults scaled to 2 CPU cores where noted.</summary>
public sealed record FlowGrpoConfig
{
    /// <summary>Rollout steps T (paper: 10).</summary>
    public int Steps { get; init; } = 10;
    /// <summary>Samples per prompt G (paper: 24; scaled down on CPU).</summary>
    public int GroupSize { get; init; } = 8;
    /// <summary>SDE noise level a (paper: 0.7); η with sde_kind ddim (DDPO: 1.0).</summary>
    public double NoiseLevel { get; init; } = 0.7;
    /// <summary>
    /// The stochastic step: on a flow model flow (Flow-GRPO's SDE, default) or cps (coefficients-preserving sampling); on an
    /// ε-prediction model ddim (DDIM with η = noise_level; <see cref="Arbor.Sampling.Steps.SdeKind"/>).
    /// </summary>
    public Arbor.Sampling.Steps.SdeKind SdeKind { get; init; } = Arbor.Sampling.Steps.SdeKind.Flow;
    /// <summary>All samples of a prompt start from one noise (Flow-GRPO's same_noise option).</summary>
    public bool SameNoise { get; init; }
    /// <summary>Fraction of the steps trained, from the first (paper: ⌊T·0.99⌋, i.e. all but the last).</summary>
    public double TrainFraction { get; init; } = 0.99;
    /// <summary>
    /// How the untrained steps advance: <c>sde</c> (default, the paper's: noise at every step) or <c>ode</c>. With
    /// <c>ode</c>, every difference between a group's images comes from the trained steps' noise, so no reward spread
    /// is made by steps whose log-probability is not in the loss (ALGORITHMS.md §7: the variance levers).
    /// </summary>
    public UntrainedSteps UntrainedSteps { get; init; } = UntrainedSteps.Sde;
}

/// <summary>How a flat strategy advances the steps it does not train.</summary>
public enum UntrainedSteps
{
    [System.Runtime.Serialization.EnumMember(Value = "sde")] Sde,
    [System.Runtime.Serialization.EnumMember(Value = "ode")] Ode,
}

/// <summary>Independent SDE trajectories: every step stochastic, the first ⌊T·0.99⌋ trained.</summary>
public sealed class FlowGrpoStrategy(FlowGrpoConfig config) : IRolloutStrategy
{
    private readonly int _trainedSteps = Math.Min(config.Steps - 1, (int)Math.Floor(config.Steps * config.TrainFraction));

    public string Name => "flow_grpo";
    public int Steps => config.Steps;
    public int TreesPerPrompt => config.GroupSize;
    public bool SharedRootNoise => config.SameNoise;
    public IDenoisingStep SdeStep { get; } = Arbor.Sampling.Steps.SdeSteps.Create(config.SdeKind, config.NoiseLevel);

    public void BeginIteration(long iteration, Random random) { }

    public NodeExpansion Expand(RolloutNode node) =>
        node.Step < _trainedSteps ? NodeExpansion.Sde(trained: true)
        : config.UntrainedSteps == UntrainedSteps.Ode ? NodeExpansion.Ode : NodeExpansion.Sde(trained: false);
}
