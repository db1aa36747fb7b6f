using Arbor.Strategies;
using Arbor.Tensors;

namespace Arbor.Training;

/// <summary>
/// Advantage Weighted Matching (ALGORITHMS.md §5.7; scxue/advantage_weighted_matching): the pretraining loss as a
/// surrogate log-likelihood, ℓ(v) = −mean_D(v − u)² with u the kind's target (flow: ε − x0; ε-model: ε) (weighted per
/// time, <see cref="AwmWeighting"/>), in the clipped surrogate of §3 with the image's group advantage,
/// ρ = exp(ℓ_θ − ℓ_old), plus velocity-space KLs to the reference and to the old (EMA) policy:
/// <code>
///   L = mean[ −min(ρ·A, clip(ρ, 1 − ε, 1 + ε)·A) ] + β_ref·mean_D(v_θ − v_ref)² + β_ema·mean_D(v_θ − v_old)²
/// </code>
/// At θ = θ_old, ρ = 1 and ∇L = −A·∇ℓ_θ = A·∇L_FM: advantage-weighted matching, which gives the method its name.
/// </summary>
public sealed class AwmLoss(AwmConfig config, double advantageClip) : IForwardProcessLoss
{
    public bool NeedsReference => config.KlWeight > 0;

    /// <summary>ℓ(v) per sample [N]: −mean_D(v − u)² (per pixel weighted as <paramref name="b"/> says), weighted by the
    /// configured function of t.</summary>
    public Tensor LogLikelihood(Tensor v, Tensor u, ForwardBatch b)
    {
        var mse = b.SampleMean((v - u).Square());
        var t = b.Tb.Flatten();
        return config.Weighting switch
        {
            AwmWeighting.Uniform => -mse,
            AwmWeighting.T => -mse * t,
            AwmWeighting.TSquared => -mse * t * t,
            AwmWeighting.Ghuber =>
                -((mse + 1e-10).Pow(config.GhuberPower) - Math.Pow(1e-10, config.GhuberPower)) * t * (1 / config.GhuberPower),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Weighting, "unknown AWM weighting"),
        };
    }

    public (Tensor Loss, ForwardLossStats Stats) Of(ForwardBatch b, int total)
    {
        var dims = Enumerable.Range(1, b.X0.Dim - 1).Select(d => (long)d).ToArray();
        // u = ε − x0 = (x_t − x0)/t for a flow model, ε for an ε-model
        var u = b.Target();
        var logp = LogLikelihood(b.V, u, b);
        Tensor old;
        using (Torch.NoGrad()) old = LogLikelihood(b.VOld, u, b).Detach();
        var adv = Torch.FromArray(b.Advantages.Select(a => (float)Math.Clamp(a, -advantageClip, advantageClip)).ToArray());
        var ratio = (logp - old).Exp();
        var surrogate = (-(ratio * adv)).Maximum(-(ratio.Clamp(1 - config.ClipRange, 1 + config.ClipRange) * adv));
        var loss = surrogate.Sum() / total;
        double refSum = 0;
        if (b.VRef is not null && config.KlWeight > 0)
        {
            var kl = (b.V - b.VRef).Square().Mean(dims);
            refSum = kl.Sum().Item();
            loss = loss + kl.Sum() * (config.KlWeight / total);
        }
        if (config.EmaKlWeight > 0) loss = loss + (b.V - b.VOld).Square().Mean(dims).Sum() * (config.EmaKlWeight / total);
        var r = ratio.ToDoubleArray();
        double clipped = r.Count(q => q < 1 - config.ClipRange || q > 1 + config.ClipRange);
        return (loss, new ForwardLossStats(refSum, clipped, r.Sum(), r.Sum(q => q * q)));
    }
}
