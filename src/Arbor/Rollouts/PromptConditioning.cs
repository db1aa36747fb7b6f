using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Sampling;
using Arbor.Tensors;

namespace Arbor.Rollouts;

/// <summary>
/// The text conditioning of an iteration's prompts, encoded once (the text encoder is frozen in RL), and
/// the guided velocity of any batch of nodes: rows pick their prompt's conditioning, CFG runs as one
/// doubled batch [conditional; unconditional] (ALGORITHMS.md §1), in rollouts and training alike.
/// </summary>
public sealed class PromptConditioning : IDisposable
{
    private readonly TextConditioning _all;     // [prompts; empty]: the rows every forward indexes into

    /// <param name="guidanceUntil">Guidance only at times above this (<see cref="RolloutConfig.GuidanceUntil"/>); 0: every time.</param>
    public PromptConditioning(TextToImagePipeline pipeline, IReadOnlyList<string> prompts, double guidance, double guidanceUntil = 0)
    {
        if (!(guidanceUntil >= 0 && guidanceUntil < 1))
            throw new ArgumentOutOfRangeException(nameof(guidanceUntil), guidanceUntil, "guidance_until must be in [0, 1)");
        using var noGrad = Torch.NoGrad();
        using (var scope = Torch.NewScope())
        {
            _all = pipeline.Encode([.. prompts, ""]);
            foreach (var t in new[] { _all.Tokens, _all.Mask, _all.Pooled }) t.DetachFromScope();
        }
        Guidance = guidance;
        GuidanceUntil = guidanceUntil;
        PromptCount = prompts.Count;
    }

    public int PromptCount { get; }

    /// <summary>
    /// The model's text features of every prompt and the empty prompt, for a loop that does not change the
    /// weights (a rollout); the caller disposes them before the next update.
    /// </summary>
    public IPreparedText Prepare(IVelocityModel model) => model.PrepareText(_all);

    public double Guidance { get; }
    public bool Guided => Guidance != 1.0;
    /// <summary>Guidance applies at times t > this; at or below it the conditional velocity alone (one forward).</summary>
    public double GuidanceUntil { get; }

    /// <summary>Model forwards per node evaluation where guidance applies (NFE convention: CFG doubles).</summary>
    public int ForwardsPerNode => Guided ? 2 : 1;

    /// <summary>Model forwards per node evaluated at time <paramref name="t"/>: 1 at or below <see cref="GuidanceUntil"/>.</summary>
    public int ForwardsAt(double t) => GuidedAt(t) ? ForwardsPerNode : 1;

    private bool GuidedAt(double t) => Guided && t > GuidanceUntil;

    /// <summary>Guided v for states x [N, ...] at times t [N] of prompts <paramref name="promptIndex"/> (int64 [N]).</summary>
    public Tensor Velocity(IVelocityModel model, Tensor x, Tensor t, Tensor promptIndex, IPreparedText? prepared = null) =>
        Velocities(model, x, t, promptIndex, prepared).Guided;

    /// <summary>
    /// The guided v (what the sampler steps with) and the model's own conditional v_θ(x, t, c) from the same
    /// forward: supervised terms (LayerTuning-RL) must target v_θ, not the guided combination, whose
    /// coefficients (w and 1 − w) would push the unconditional branch instead.
    /// </summary>
    /// <param name="prepared">This conditioning's <see cref="Prepare"/>d features; null = projected now, with
    /// gradients if enabled. Either way every prompt is projected once, not once per row.</param>
    public (Tensor Guided, Tensor Conditional) Velocities(IVelocityModel model, Tensor x, Tensor t, Tensor promptIndex,
        IPreparedText? prepared = null)
    {
        using var scope = Torch.NewScope();
        using var own = prepared is null ? model.PrepareText(_all) : null;
        var text = prepared ?? own!;
        long n = x.Size(0);
        if (!Guided || (GuidanceUntil > 0 && !GuidedAt(t.Max().Item())))
        {
            var v1 = model.Velocity(x, t, text, promptIndex);
            return (scope.MoveToOuter(v1), scope.MoveToOuter(v1.Alias()));
        }
        var emptyRows = Torch.Full([n], PromptCount, DType.Int64, x.Device);
        var v = model.Velocity(Torch.Cat([x, x]), Torch.Cat([t, t]), text, Torch.Cat([promptIndex, emptyRows]));
        var (guided, vc) = ClassifierFreeGuidance.Combine(v, Guidance);
        if (GuidanceUntil > 0)
        {
            // rows of mixed times (a training batch): each row guided or not by its own time, as a rollout evaluated it
            var above = t.Gt(GuidanceUntil).PerSampleLike(x);
            guided = Torch.Where(above, guided, vc);
        }
        return (scope.MoveToOuter(guided), scope.MoveToOuter(vc));
    }

    /// <summary>The model's own conditional v_θ(x, t, c) alone, one forward without guidance (what forward-process losses train).</summary>
    public Tensor ConditionalVelocity(IVelocityModel model, Tensor x, Tensor t, Tensor promptIndex)
    {
        using var scope = Torch.NewScope();
        using var text = model.PrepareText(_all);
        return scope.MoveToOuter(model.Velocity(x, t, text, promptIndex));
    }

    public void Dispose()
    {
        _all.Dispose();
    }
}
