namespace Arbor.Rollouts;

/// <summary>How a strategy advances one frontier node by one step.</summary>
/// <param name="Children">Children to sample (1 = continue the trajectory; k &gt; 1 = branch).</param>
/// <param name="Stochastic">SDE (true) or ODE (false). An ODE step has exactly one child.</param>
/// <param name="Trained">Whether the new edges enter the policy loss.</param>
/// <param name="NoiseScale">Multiplier of the SDE noise level (Dynamic-TreeRPO's σ_t(k) = σ_t·(1 + β·k/d)).</param>
/// <param name="NoiseCorrelation">BranchGRPO's s: children share a common noise, ξ_b = (ξ_0 + s·η_b)/sqrt(1 + s²); 0 = independent.</param>
public sealed record NodeExpansion(int Children, bool Stochastic, bool Trained, double NoiseScale = 1.0, double NoiseCorrelation = 0)
{
    public static readonly NodeExpansion Ode = new(1, false, false);
    public static NodeExpansion Sde(bool trained, int children = 1, double noiseScale = 1.0) => new(children, true, trained, noiseScale);
}
