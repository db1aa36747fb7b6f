using Arbor.Rollouts;
using Arbor.Tensors;

namespace Arbor.Strategies;

/// <summary>
/// A strategy's changes to the shared policy loss (ALGORITHMS.md §3): a per-edge clip interval and an extra
/// term computed on the same training forward. Dynamic-TreeRPO's adaptive clipping and LayerTuning-RL use it.
/// </summary>
public interface ILossShaping
{
    /// <summary>
    /// Called once per iteration after advantages are assigned, before the update; <paramref name="parallel"/> gives the
    /// iteration's totals where a term is normalized over the whole iteration (every rank's forest).
    /// </summary>
    void Prepare(RolloutForest forest, Distributed.DataParallel? parallel = null);

    /// <summary>(ε_lo, ε_hi) for an edge, or null for the config's symmetric ε.</summary>
    (double Low, double High)? ClipInterval(RolloutEdge edge);

    /// <summary>An extra loss for one training forward (already normalized for the whole iteration), or null.</summary>
    Tensor? ExtraLoss(TrainingStepBatch batch);
}
