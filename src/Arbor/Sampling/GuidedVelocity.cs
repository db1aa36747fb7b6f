using Arbor.Models;
using Arbor.Tensors;

namespace Arbor.Sampling;

/// <summary>
/// Classifier-free guidance, v = v_u + w·(v_c − v_u) (ALGORITHMS.md §1), computed as one doubled batch
/// [conditional; unconditional] so each guided evaluation is a single model forward. With w = 1 (or no
/// unconditional branch) it is the conditional prediction alone, at half the cost. Created without
/// gradients (sampling), it prepares the text features once for all its evaluations.
/// </summary>
public sealed class GuidedVelocity : IDisposable
{
    private readonly IVelocityModel _model;
    private readonly TextConditioning _doubled;
    private readonly TextConditioning _conditional;
    private readonly IPreparedText? _prepared;
    private bool _disposed;

    /// <param name="conditional">Conditioning of batch B.</param>
    /// <param name="unconditional">Empty-prompt conditioning of batch B (or null for no guidance).</param>
    /// <param name="scale">Guidance weight w.</param>
    public GuidedVelocity(IVelocityModel model, TextConditioning conditional, TextConditioning? unconditional, double scale)
    {
        _model = model;
        _conditional = conditional;
        Scale = scale;
        Guided = unconditional is not null && scale != 1.0;
        _doubled = Guided ? Detached(conditional.Concat(unconditional!)) : conditional;
        // the weights cannot change inside a no-grad sampling loop, so the x- and t-independent text features hold
        if (!Torch.IsGradEnabled) _prepared = model.PrepareText(_doubled);
    }

    public double Scale { get; }
    public bool Guided { get; }

    /// <summary>Model forwards per evaluation of a batch (the NFE convention: CFG doubles).</summary>
    public int ForwardsPerCall => Guided ? 2 : 1;

    private static TextConditioning Detached(TextConditioning c)
    {
        c.Tokens.DetachFromScope();
        c.Mask.DetachFromScope();
        c.Pooled.DetachFromScope();
        return c;
    }

    /// <summary>The guided velocity at x [B, ...] and scalar time t.</summary>
    public Tensor At(Tensor x, double t)
    {
        using var scope = Torch.NewScope();
        long b = x.Size(0);
        if (!Guided)
            return scope.MoveToOuter(Evaluate(x, Torch.Full([b], t, device: x.Device), _conditional));
        var v = Evaluate(Torch.Cat([x, x]), Torch.Full([2 * b], t, device: x.Device), _doubled);
        return scope.MoveToOuter(ClassifierFreeGuidance.Combine(v, Scale).Guided);
    }

    private Tensor Evaluate(Tensor x, Tensor t, TextConditioning condition)
    {
        if (_prepared is null) return _model.Velocity(x, t, condition);
        if (Torch.IsGradEnabled)
            throw new InvalidOperationException("a GuidedVelocity created without gradients was evaluated with gradients enabled");
        return _model.Velocity(x, t, _prepared, rows: null);
    }

    /// <summary>Frees what this object built: the doubled conditioning and the prepared text (not the caller's conditioning).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _prepared?.Dispose();
        if (Guided) _doubled.Dispose();
    }
}
