using Arbor.Models;
using Arbor.Tensors;

namespace Arbor.Training;

/// <summary>
/// One batch of a forward-process loss: clean images x0, their noisings x_t at times tb [N, 1, ...], the trained
/// v_θ, the old (sampling) policy's v_old, the reference's v_ref (null when the loss does not use it), the
/// images' advantages, and the model's noise process, which made x_t and reads the predictions (velocities, or ε̂ for an
/// ε-model: the losses are written in the prediction and x̂0, so they hold for either kind). With dense credit
/// (<see cref="Strategies.ForwardProcessConfig.PixelCredit"/>) <see cref="AdvantageMap"/> [N, 1, H, W] holds each sample's
/// advantage per pixel (<see cref="AdvantageMaps"/>); null otherwise.
/// </summary>
public sealed record ForwardBatch(Tensor X0, Tensor Xt, Tensor Tb, Tensor V, Tensor VOld, Tensor? VRef, double[] Advantages,
    INoiseProcess Process, Tensor? PixelWeights = null, Tensor? AdvantageMap = null)
{
    /// <summary>
    /// Each sample's mean of <paramref name="perElement"/> [B, C, H, W] over its elements, weighted per pixel by
    /// <see cref="PixelWeights"/> ([B, 1, H, W], mean 1 per sample) when the config asks for it: the plain mean otherwise.
    /// </summary>
    public Tensor SampleMean(Tensor perElement)
    {
        var dims = Enumerable.Range(1, perElement.Dim - 1).Select(d => (long)d).ToArray();
        return PixelWeights is null ? perElement.Mean(dims) : (perElement * PixelWeights).Mean(dims);
    }

    /// <summary>The prediction the pretraining loss regresses onto at (x_t, t): u = ε − x0 = (x_t − x0)/t for a flow model.</summary>
    public Tensor Target() => Process.PredictionFor(Xt, X0, Tb);
}

/// <summary>What a forward-process loss measured on a batch (sums over its samples).</summary>
public readonly record struct ForwardLossStats(double RefSum, double Clipped, double RatioSum, double RatioSq);

/// <summary>A forward-process method's loss (ALGORITHMS.md §5.7) on the leaves' re-noised clean images.</summary>
public interface IForwardProcessLoss
{
    /// <summary>Whether the loss needs v_ref (one more forward per sample, with the adapters off).</summary>
    bool NeedsReference { get; }

    /// <summary>The batch's loss divided by <paramref name="total"/>, the iteration's sample count.</summary>
    (Tensor Loss, ForwardLossStats Stats) Of(ForwardBatch batch, int total);
}
