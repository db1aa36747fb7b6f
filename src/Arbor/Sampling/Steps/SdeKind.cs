namespace Arbor.Sampling.Steps;

/// <summary>
/// Which stochastic step a strategy samples and scores its SDE edges with: on a flow model (ALGORITHMS.md §2) Flow-GRPO's
/// SDE (<see cref="FlowGrpoSdeStep"/>, every anchor's default) or coefficients-preserving sampling (<see cref="CpsStep"/>,
/// Flow-GRPO's newer option); on an ε-prediction model (§6) DDIM with η (<see cref="DdimStep"/>). The strategy decides
/// which steps are stochastic and trained; this decides the step, and it must match the model's kind (a run checks
/// before loading the model). DanceGRPO keeps its own η-parameterized step on flow models.
/// </summary>
public enum SdeKind
{
    [System.Runtime.Serialization.EnumMember(Value = "flow")] Flow,
    [System.Runtime.Serialization.EnumMember(Value = "cps")] Cps,
    /// <summary>DDIM with η = the strategy's noise_level (DDPO: 1.0), for ε-prediction models.</summary>
    [System.Runtime.Serialization.EnumMember(Value = "ddim")] Ddim,
}

/// <summary>The step of a <see cref="SdeKind"/> at noise level a (η for DDIM).</summary>
public static class SdeSteps
{
    public static IDenoisingStep Create(SdeKind kind, double noiseLevel) => kind switch
    {
        SdeKind.Flow => new FlowGrpoSdeStep(noiseLevel),
        SdeKind.Cps => new CpsStep(noiseLevel),
        SdeKind.Ddim => new DdimStep(noiseLevel),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown SDE kind"),
    };
}
