using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Tensors;

namespace Arbor.Rollouts;

/// <summary>
/// The text conditioning of an iteration's prompts, encoded once (the text encoder is frozen in RL), and
/// the guided velocity of any batch of nodes: rows pick their prompt's conditioning, CFG runs as one
/// doubled batch [conditional; unconditional] (ALGORITHMS.md §1), in rollouts and training alike.
/// </summary>
public sealed class PromptConditioning : IDisposable
{
    private readonly TextConditioning _prompts;
    private readonly TextConditioning _empty;

    public PromptConditioning(TextToImagePipeline pipeline, IReadOnlyList<string> prompts, double guidance)
    {
        using var noGrad = Torch.NoGrad();
        _prompts = pipeline.Encode(prompts);
        _empty = pipeline.Encode([""]);
        foreach (var t in new[] { _prompts.Tokens, _prompts.Mask, _prompts.Pooled, _empty.Tokens, _empty.Mask, _empty.Pooled }) t.DetachFromScope();
        Guidance = guidance;
    }

    public double Guidance { get; }
    public bool Guided => Guidance != 1.0;
    /// <summary>Model forwards per node evaluation (NFE convention: CFG doubles).</summary>
    public int ForwardsPerNode => Guided ? 2 : 1;

    /// <summary>Guided v for states x [N, ...] at times t [N] of prompts <paramref name="promptIndex"/> (int64 [N]).</summary>
    public Tensor Velocity(IVelocityModel model, Tensor x, Tensor t, Tensor promptIndex) => Velocities(model, x, t, promptIndex).Guided;

    /// <summary>
    /// The guided v (what the sampler steps with) and the model's own conditional v_θ(x, t, c) from the same
    /// forward: supervised terms (LayerTuning-RL) must target v_θ, not the guided combination, whose
    /// coefficients (w and 1 − w) would push the unconditional branch instead.
    /// </summary>
    public (Tensor Guided, Tensor Conditional) Velocities(IVelocityModel model, Tensor x, Tensor t, Tensor promptIndex)
    {
        using var scope = Torch.NewScope();
        long n = x.Size(0);
        var cond = _prompts.Select(promptIndex);
        if (!Guided)
        {
            var v1 = model.Velocity(x, t, cond);
            return (scope.MoveToOuter(v1), scope.MoveToOuter(v1.Alias()));
        }
        var zeros = Torch.Zeros([n], DType.Int64, x.Device);
        var doubled = cond.Concat(_empty.Select(zeros));
        var v = model.Velocity(Torch.Cat([x, x]), Torch.Cat([t, t]), doubled);
        var vc = v.Narrow(0, 0, n);
        var vu = v.Narrow(0, n, n);
        var guided = vu + (vc - vu) * Guidance;
        return (scope.MoveToOuter(guided), scope.MoveToOuter(vc));
    }

    public void Dispose()
    {
        _prompts.Dispose();
        _empty.Dispose();
    }
}
