using Arbor.Strategies;
using Arbor.Tensors;

namespace Arbor.Training;

/// <summary>
/// DiffusionNFT's loss (ALGORITHMS.md §5.7; NVlabs/DiffusionNFT): an implicit positive and negative policy around the
/// old one, v⁺ = β·v_θ + (1 − β)·v_old and v⁻ = (1 + β)·v_old − β·v_θ, trained in x0-space:
/// <code>
///   L = A_max · mean[ r·‖x̂0(v⁺) − x0‖²/w⁺ + (1 − r)·‖x̂0(v⁻) − x0‖²/w⁻ ] / β + λ_ref·mean_D(v_θ − v_ref)²
///   r = clip(A/A_max/2 + ½, 0, 1),  x̂0(v) = x_t − t·v,  w = mean_D |x̂0 − x0| (detached),  ‖·‖² = mean_D
/// </code>
/// On an ε-model v is ε̂ and x̂0(ε) = (x_t − sqrt(1 − ᾱ)·ε)/sqrt(ᾱ) (<see cref="ForwardBatch.Process"/>): affine in the
/// prediction as the flow's is, so v⁺ and v⁻ mean the same and the argument below holds with −t replaced by ∂x̂0/∂ε.
/// Why it learns where imitating one's own samples drifts (issue #15's measured failure): at θ = θ_old the two terms
/// share the base's error and cancel in the gradient, leaving only what separates good images from bad. With β = 1
/// and θ = θ_old, x̂0(v⁺) − x0 = t·(u − v_θ) and x̂0(v⁻) − x0 = t·(u − 2v_old + v_θ) with u = ε − x0, so
/// ∇L = A_max·t²/w·[r·∇‖u − v_θ‖² − (1 − r)·∇‖u − v_θ‖²] = A_max·(2r − 1)·t²/w·∇‖u − v_θ‖² = A·t²/w·∇L_FM
/// (r unclipped): a flow-matching step on the image, weighted by its advantage (tested).
/// With <see cref="NftConfig.LossSpace"/> prediction the errors are v± − u instead (u the prediction that denoises x_t to
/// x0), x̂0's error divided by ∂x̂0/∂v: the same loss with the time weight t (flow) or sqrt((1 − ᾱ)/ᾱ) (ε) taken out.
/// With an advantage map (dense credit, <see cref="ForwardBatch.AdvantageMap"/>) r is taken per pixel and weighs that
/// pixel's squared errors; a map equal to A everywhere is the loss above (to float rounding, tested).
/// </summary>
public sealed class NftLoss(NftConfig config, double advantageClip) : IForwardProcessLoss
{
    public bool NeedsReference => config.RefWeight > 0;

    public (Tensor Loss, ForwardLossStats Stats) Of(ForwardBatch b, int total)
    {
        double beta = config.Beta;
        var dims = Enumerable.Range(1, b.X0.Dim - 1).Select(d => (long)d).ToArray();
        var vPos = b.V * beta + b.VOld * (1 - beta);
        var vNeg = b.VOld * (1 + beta) - b.V * beta;
        Tensor errPos, errNeg;
        if (config.LossSpace == NftLossSpace.Prediction)
        {
            var u = b.Target();
            (errPos, errNeg) = (vPos - u, vNeg - u);
        }
        else
        {
            errPos = b.Process.CleanEstimate(b.Xt, vPos, b.Tb) - b.X0;
            errNeg = b.Process.CleanEstimate(b.Xt, vNeg, b.Tb) - b.X0;
        }
        Tensor wPos, wNeg;
        using (Torch.NoGrad())
        {
            wPos = b.SampleMean(errPos.Abs()).Clamp(min: 1e-5).Detach();
            wNeg = b.SampleMean(errNeg.Abs()).Clamp(min: 1e-5).Detach();
        }
        // r, each image's optimality probability, per sample [N, 1, ...]; with dense credit per pixel [N, 1, H, W], where
        // it weighs each pixel's squared errors. One formula: a map equal to A everywhere is the per-sample loss.
        var r = b.AdvantageMap is { } map
            ? (map * (0.5 / advantageClip) + 0.5).Clamp(0, 1)
            : Torch.FromArray(b.Advantages.Select(a => (float)Math.Clamp(a / advantageClip / 2 + 0.5, 0, 1)).ToArray())
                .PerSampleLike(b.X0);
        var perSample = b.SampleMean(r * errPos.Square()) / wPos + b.SampleMean((1 - r) * errNeg.Square()) / wNeg;
        var loss = perSample.Sum() * (advantageClip / beta / total);
        double refSum = 0;
        if (b.VRef is not null && config.RefWeight > 0)
        {
            var refTerm = (b.V - b.VRef).Square().Mean(dims);
            refSum = refTerm.Sum().Item();
            loss = loss + refTerm.Sum() * (config.RefWeight / total);
        }
        return (loss, new ForwardLossStats(refSum, 0, b.Advantages.Length, b.Advantages.Length));
    }
}
