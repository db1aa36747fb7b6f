using Arbor.Tensors;

namespace Arbor.Training;

/// <summary>
/// LayerTuning-RL v2 (a) (ALGORITHMS.md §5.6): the pretraining loss (flow matching, or ε-prediction) on the tree's own
/// leaf images, re-noised at fresh t, weighted by the leaf's progress over its tree, w = max(0, A): only leaves better
/// than their siblings are imitated, in proportion to how much better. L = λ·Σ_ℓ w_ℓ·mean_D(v_θ − u_ℓ)² / N, u_ℓ the
/// kind's target (ε − x0_ℓ for flow).
/// </summary>
public sealed class LeafSftLoss(double weight) : IForwardProcessLoss
{
    public bool NeedsReference => false;

    public (Tensor Loss, ForwardLossStats Stats) Of(ForwardBatch b, int total)
    {
        var dims = Enumerable.Range(1, b.X0.Dim - 1).Select(d => (long)d).ToArray();
        var u = b.Target();
        var w = Torch.FromArray(b.Advantages.Select(a => (float)Math.Max(0, a)).ToArray());
        var loss = (w * (b.V - u).Square().Mean(dims)).Sum() * (weight / total);
        return (loss, new ForwardLossStats(0, 0, b.Advantages.Length, b.Advantages.Length));
    }
}

/// <summary>A forward-process loss scaled by λ (LayerTuning-RL's weight when the loss is a term beside GRPO's).</summary>
public sealed class ScaledLoss(IForwardProcessLoss inner, double weight) : IForwardProcessLoss
{
    public bool NeedsReference => inner.NeedsReference;

    public (Tensor Loss, ForwardLossStats Stats) Of(ForwardBatch batch, int total)
    {
        var (loss, stats) = inner.Of(batch, total);
        return (loss * weight, stats);
    }
}
