namespace Arbor.Sampling.Steps;

/// <summary>
/// Which stochastic step a strategy samples and scores its SDE edges with (ALGORITHMS.md §2): Flow-GRPO's SDE
/// (<see cref="FlowGrpoSdeStep"/>, every anchor's default) or coefficients-preserving sampling
/// (<see cref="CpsStep"/>, Flow-GRPO's newer option). DanceGRPO keeps its own η-parameterized step.
/// </summary>
public enum SdeKind
{
    Flow,
    Cps,
}

/// <summary>The step of a <see cref="SdeKind"/> at noise level a.</summary>
public static class SdeSteps
{
    public static IDenoisingStep Create(SdeKind kind, double noiseLevel) => kind switch
    {
        SdeKind.Flow => new FlowGrpoSdeStep(noiseLevel),
        SdeKind.Cps => new CpsStep(noiseLevel),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown SDE kind"),
    };
}
