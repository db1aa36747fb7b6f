namespace Arbor.Strategies.DynamicTree;

/// <summary>
/// Dynamic-TreeRPO's dynamic-adaptive clipping (Arbor's definition, ALGORITHMS.md §5.6; the paper's Eq. 11
/// names η, ε_low, ε_high but not the form): ε(e) = ε_low + (ε_high − ε_low)·sigmoid(η·A_e), clip interval
/// [1 − ε(e), 1 + ε(e)]. At A = 0 it is the midpoint; high-advantage branches may move further.
/// </summary>
public sealed record AdaptiveClipping(double EpsilonLow, double EpsilonHigh, double Eta = 1.0)
{
    /// <summary>Defaults from a base ε: ε_low = 0.5·ε, ε_high = 2·ε.</summary>
    public static AdaptiveClipping FromBase(double epsilon, double eta = 1.0) => new(0.5 * epsilon, 2 * epsilon, eta);

    public double Epsilon(double advantage) => EpsilonLow + (EpsilonHigh - EpsilonLow) / (1 + Math.Exp(-Eta * advantage));

    /// <summary>The per-edge interval for <see cref="ILossShaping.ClipInterval"/>.</summary>
    public (double Low, double High) Interval(Rollouts.RolloutEdge edge)
    {
        double e = Epsilon(edge.Advantage);
        return (e, e);
    }
}
