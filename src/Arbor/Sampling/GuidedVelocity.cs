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
    // what _model is evaluated on: [conditional; unconditional] in one doubled batch, or the conditional rows alone
    // (no guidance, or another model predicts the unconditional branch)
    private readonly TextConditioning _modelRows;
    private readonly TextConditioning _conditional;
    private readonly IPreparedText? _prepared;
    private readonly TextConditioning? _unconditional;       // set when another model predicts the unconditional branch
    private readonly IVelocityModel? _unconditionalModel;
    private readonly IPreparedText? _preparedUnconditional;
    private bool _disposed;

    /// <param name="conditional">Conditioning of batch B.</param>
    /// <param name="unconditional">Empty-prompt conditioning of batch B (or null for no guidance).</param>
    /// <param name="scale">Guidance weight w.</param>
    /// <param name="unconditionalModel">The model that predicts v_u (e.g. the base of an adapted model,
    /// <see cref="UnconditionalBranch.Base"/>), as a second forward of B rows; null: <paramref name="model"/>, in one
    /// doubled batch.</param>
    public GuidedVelocity(IVelocityModel model, TextConditioning conditional, TextConditioning? unconditional, double scale,
        IVelocityModel? unconditionalModel = null)
    {
        _model = model;
        _conditional = conditional;
        Scale = scale;
        Guided = unconditional is not null && scale != 1.0;
        if (Guided && unconditionalModel is not null)
        {
            _modelRows = conditional;
            _unconditional = unconditional;
            _unconditionalModel = unconditionalModel;
        }
        else
        {
            _modelRows = Guided ? Detached(conditional.Concat(unconditional!)) : conditional;
        }
        // the weights cannot change inside a no-grad sampling loop, so the x- and t-independent text features hold
        if (!Torch.IsGradEnabled)
        {
            _prepared = model.PrepareText(_modelRows);
            if (_unconditionalModel is not null) _preparedUnconditional = _unconditionalModel.PrepareText(_unconditional!);
        }
    }

    public double Scale { get; }
    public bool Guided { get; }

    /// <summary>Guidance only at times above this; at or below it the conditional velocity alone, one forward (0: always).</summary>
    public double GuidanceUntil
    {
        get;
        init => field = value is >= 0 and < 1 ? value
            : throw new ArgumentOutOfRangeException(nameof(GuidanceUntil), value, "guidance_until must be in [0, 1)");
    }

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
            return scope.MoveToOuter(Evaluate(_model, x, Torch.Full([b], t, device: x.Device), _conditional, _prepared));
        if (t <= GuidanceUntil)
        {
            // the conditional rows alone: the first b of the doubled conditioning, or the conditioning itself
            bool doubled = _unconditionalModel is null;
            var rows = doubled && _prepared is not null ? Torch.Arange(b, device: x.Device) : null;
            var times = Torch.Full([b], t, device: x.Device);
            return scope.MoveToOuter(rows is null
                ? Evaluate(_model, x, times, _conditional, doubled ? null : _prepared)
                : _model.Velocity(x, times, _prepared!, rows));
        }
        if (_unconditionalModel is not null)
        {
            var times = Torch.Full([b], t, device: x.Device);
            var vc = Evaluate(_model, x, times, _conditional, _prepared);
            var vu = Evaluate(_unconditionalModel, x, times, _unconditional!, _preparedUnconditional);
            return scope.MoveToOuter(vu + (vc - vu) * Scale);
        }
        var v = Evaluate(_model, Torch.Cat([x, x]), Torch.Full([2 * b], t, device: x.Device), _modelRows, _prepared);
        return scope.MoveToOuter(ClassifierFreeGuidance.Combine(v, Scale).Guided);
    }

    private static Tensor Evaluate(IVelocityModel model, Tensor x, Tensor t, TextConditioning condition, IPreparedText? prepared)
    {
        if (prepared is null) return model.Velocity(x, t, condition);
        if (Torch.IsGradEnabled)
            throw new InvalidOperationException("a GuidedVelocity created without gradients was evaluated with gradients enabled");
        return model.Velocity(x, t, prepared, rows: null);
    }

    /// <summary>Frees what this object built: the doubled conditioning and the prepared text (not the caller's conditioning).</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _prepared?.Dispose();
        _preparedUnconditional?.Dispose();
        if (Guided && _unconditionalModel is null) _modelRows.Dispose();
    }
}
