using Arbor.Models;
using Arbor.Tensors;

namespace Arbor.Sampling.Steps;

/// <summary>
/// One denoising transition x_i → x_{i+1} as a Gaussian N(Mean, Std²) (Std = 0 for the ODE). Mean is
/// [B, ...] and carries the autograd graph when v does; Std is [B, 1, …, 1], broadcastable, and never
/// depends on the model.
/// </summary>
public sealed record Transition(Tensor Mean, Tensor Std);

/// <summary>
/// A denoising step (ALGORITHMS.md §2 for flow models, §6 for ε-prediction models). All strategies share these: a
/// rollout samples from the transition, and training recomputes the same transition with gradients to score the
/// recorded sample. Computed in float32 whatever the model's precision. A step is written for one model kind: it reads
/// the prediction as that kind's, and refuses a schedule of the other
/// (<see cref="DenoisingSteps.RequireKind(IDenoisingStep, TimeSchedule)"/>).
/// </summary>
public interface IDenoisingStep
{
    string Name { get; }

    /// <summary>The model kind whose prediction and time this step reads.</summary>
    ModelKind Kind { get; }

    /// <summary>
    /// The transition from x at t_i given the guided prediction v at (x, t_i) (a velocity, or ε̂ for an ε-model).
    /// <paramref name="noiseScale"/> ([B], optional) multiplies the step's noise level σ per sample: Dynamic-TreeRPO's
    /// depth noise.
    /// </summary>
    Transition Transition(Tensor x, Tensor v, TimeSchedule schedule, int i, Tensor? noiseScale = null);
}

public static class DenoisingSteps
{
    /// <summary>The deterministic step rollouts advance ODE nodes with: Euler for a flow model, DDIM with η = 0 for an ε-model.</summary>
    public static IDenoisingStep Deterministic(ModelKind kind) => kind switch
    {
        ModelKind.Flow => new OdeStep(),
        ModelKind.Epsilon => new DdimStep(0),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown model kind"),
    };

    /// <summary>Throws <see cref="ModelKindMismatchException"/>, naming both kinds, unless <paramref name="step"/> reads
    /// predictions of the kind <paramref name="schedule"/> was made for.</summary>
    public static void RequireKind(IDenoisingStep step, TimeSchedule schedule) => RequireKind(step, schedule.Process.Kind);

    /// <summary>The same check against a model's kind, where the model is <paramref name="subject"/>.</summary>
    public static void RequireKind(IDenoisingStep step, ModelKind model, string subject = "the model") =>
        ModelKinds.Require(step.Kind, model, $"the {step.Name} step", subject,
            step.Kind == ModelKind.Flow ? "sample it with sde_kind: ddim" : "sample it with sde_kind: flow or cps");

    /// <summary>x' = Mean + Std·z with z ~ N(0, I) from <paramref name="generator"/>.</summary>
    public static Tensor Sample(Transition transition, Generator generator)
    {
        using var scope = Torch.NewScope();
        return scope.MoveToOuter(Sample(transition, Torch.RandnLike(transition.Mean, generator)));
    }

    /// <summary>x' = Mean + Std·z for the given noise z (the rollout's: per prompt, BranchGRPO's correlated across
    /// siblings), without a graph.</summary>
    public static Tensor Sample(Transition transition, Tensor noise)
    {
        using var scope = Torch.NewScope();
        return scope.MoveToOuter((transition.Mean.Detach() + transition.Std * noise).Detach());
    }

    /// <summary>The same scalar for every sample, shaped [B, 1, …, 1].</summary>
    public static Tensor Constant(double value, Tensor like, Tensor? noiseScale)
    {
        using var scope = Torch.NewScope();
        var shape = new long[like.Dim];
        Array.Fill(shape, 1L);
        shape[0] = like.Size(0);
        var s = Torch.Full(shape, value, DType.Float32, like.Device);
        return scope.MoveToOuter(noiseScale is null ? s : s * noiseScale.To(DType.Float32).PerSampleLike(like));
    }
}
