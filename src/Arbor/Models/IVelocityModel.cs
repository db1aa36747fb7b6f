using Arbor.Tensors;

namespace Arbor.Models;

/// <summary>
/// Text conditioning as the generator consumes it: per-token embeddings [B, L, D], a mask [B, L]
/// (true = a real token; position 0 is always a real BOS token so attention is never empty) and a
/// pooled vector [B, D]. Owned by whoever created it.
/// </summary>
public sealed record TextConditioning(Tensor Tokens, Tensor Mask, Tensor Pooled) : IDisposable
{
    public long Batch => Pooled.Size(0);

    /// <summary>Rows of both conditionings stacked: [this; other] (the doubled CFG batch).</summary>
    public TextConditioning Concat(TextConditioning other) =>
        new(Torch.Cat([Tokens, other.Tokens]), Torch.Cat([Mask, other.Mask]), Torch.Cat([Pooled, other.Pooled]));

    /// <summary>Rows selected by <paramref name="index"/> (int64 [n]).</summary>
    public TextConditioning Select(Tensor index) =>
        new(Tokens.IndexSelect(0, index), Mask.IndexSelect(0, index), Pooled.IndexSelect(0, index));

    public void Dispose()
    {
        Tokens.Dispose();
        Mask.Dispose();
        Pooled.Dispose();
    }
}

/// <summary>
/// A generator: a network f_θ(x_t, t, c) whose output <see cref="Process"/> interprets. For a flow model (the default)
/// it is the velocity v ≈ ε − x0 under x_t = (1 − t)·x0 + t·ε (ALGORITHMS.md §1); for an ε-prediction model it is ε̂
/// under the DDPM schedule (§6), and the methods keep their names: "velocity" is the model's prediction in its kind's
/// parameterization. Samplers and trainers talk only to this (guidance combines predictions, which commutes with every
/// conversion), so either kind, a larger DiT or a user's model plugs in the same way.
/// </summary>
public interface IVelocityModel
{
    /// <summary>How the prediction is read and how x_t is made: the model's kind. Default: flow matching.</summary>
    INoiseProcess Process => FlowMatchingProcess.Instance;

    /// <summary>Shape of one sample, e.g. [3, 32, 32].</summary>
    long[] SampleShape { get; }

    /// <summary>v for x [B, ...sample], t [B] in [0, 1], and a conditioning of batch B.</summary>
    Tensor Velocity(Tensor x, Tensor t, TextConditioning condition);

    /// <summary>
    /// What the model derives from a set of conditionings independently of x and t (a DiT: the projected
    /// pooled vector and every block's cross-attention keys and values), one row per conditioning. A batch
    /// of many samples over a few prompts then projects each prompt once, and a loop without gradients
    /// (sampling, a rollout) once for all its steps. Computed with gradients when they are enabled; the
    /// caller owns the result and must not use it after the weights change. Default: the conditioning itself.
    /// </summary>
    IPreparedText PrepareText(TextConditioning conditions) => new PreparedConditioning(conditions);

    /// <summary>
    /// v for x [N, ...], t [N], where sample i uses row rows[i] (int64 [N]) of <paramref name="text"/>;
    /// null rows: sample i uses row i (N = text.Rows).
    /// </summary>
    Tensor Velocity(Tensor x, Tensor t, IPreparedText text, Tensor? rows)
    {
        if (text is not PreparedConditioning plain)
            throw new ArgumentException($"{text.GetType().Name} was prepared by another model", nameof(text));
        if (rows is null) return Velocity(x, t, plain.Conditioning);
        using var scope = Torch.NewScope();
        return scope.MoveToOuter(Velocity(x, t, plain.Conditioning.Select(rows)));
    }
}

/// <summary>A model's x- and t-independent features of a set of conditionings (<see cref="IVelocityModel.PrepareText"/>).</summary>
public interface IPreparedText : IDisposable
{
    /// <summary>Conditionings (rows) it holds.</summary>
    long Rows { get; }
}

/// <summary>The default preparation: the conditioning itself (borrowed, not disposed).</summary>
public sealed class PreparedConditioning(TextConditioning conditioning) : IPreparedText
{
    public TextConditioning Conditioning => conditioning;
    public long Rows => conditioning.Batch;
    public void Dispose() { }
}
