using Arbor.Tensors;

namespace Arbor.Models;

/// <summary>
/// What a <see cref="ModelKind"/> means: how data is noised at a time t ∈ [0, 1] (t = 1 is noise, t = 0 data, for both
/// kinds), what the network is trained to output there, and how an output is read back as x̂0. At fixed (x_t, t) every
/// conversion is affine in the prediction, so classifier-free guidance (a linear combination of two predictions at the
/// same x_t and t) commutes with them: samplers guide the raw prediction and the step reads it by the kind.
/// Times are per sample, [B] or [B, 1, …, 1]; images [B, C, H, W].
/// </summary>
public interface INoiseProcess
{
    ModelKind Kind { get; }

    /// <summary>x_t from clean images x0 and Gaussian noise ε at times t.</summary>
    Tensor Noised(Tensor x0, Tensor noise, Tensor t);

    /// <summary>What the network regresses onto at (x_t, t) made from (x0, ε): ε − x0 (flow) or ε (epsilon).</summary>
    Tensor Target(Tensor x0, Tensor noise, Tensor t);

    /// <summary>x̂0, the clean image a prediction at (x, t) implies.</summary>
    Tensor CleanEstimate(Tensor x, Tensor prediction, Tensor t);

    /// <summary>The prediction whose x̂0 at (x, t) is <paramref name="x0"/>: the target that carries x straight to x0.</summary>
    Tensor PredictionFor(Tensor x, Tensor x0, Tensor t);

    /// <summary>∂x̂0/∂prediction at t (a scalar: x̂0 is affine in the prediction): −t (flow), −sqrt((1 − ᾱ)/ᾱ) (epsilon).</summary>
    double CleanEstimateSlope(double t);
}

/// <summary>The process a model config describes.</summary>
public static class NoiseProcesses
{
    public static INoiseProcess For(DiTConfig config) => config.Kind switch
    {
        ModelKind.Flow => FlowMatchingProcess.Instance,
        ModelKind.Epsilon => new DdpmProcess(config.Diffusion ?? new DiffusionScheduleConfig()),
        _ => throw new ArgumentOutOfRangeException(nameof(config), config.Kind, "unknown model kind"),
    };
}
