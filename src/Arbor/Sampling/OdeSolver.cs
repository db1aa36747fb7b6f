namespace Arbor.Sampling;

/// <summary>
/// How a rollout integrates its deterministic (ODE) steps (<see cref="Arbor.Rollouts.RolloutConfig.OdeSolver"/>) and an
/// evaluation samples. On an ε-prediction model euler is deterministic DDIM (its first-order solver, <see cref="DdimSampler"/>)
/// and heun is refused.
/// </summary>
public enum OdeSolver
{
    /// <summary>x + v·Δ: one model evaluation per step (<see cref="EulerSampler"/>).</summary>
    [System.Runtime.Serialization.EnumMember(Value = "euler")] Euler,
    /// <summary>Heun's second-order step, two evaluations per step (<see cref="HeunSampler"/>).</summary>
    [System.Runtime.Serialization.EnumMember(Value = "heun")] Heun,
}
