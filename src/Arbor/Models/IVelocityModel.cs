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
/// A flow-matching generator: v_θ(x_t, t, c) ≈ ε − x0 under x_t = (1 − t)·x0 + t·ε (ALGORITHMS.md §1).
/// Samplers and trainers talk only to this, so a diffusion model (through an ε→v adapter), a larger
/// DiT or a user's model plugs in the same way.
/// </summary>
public interface IVelocityModel
{
    /// <summary>Shape of one sample, e.g. [3, 32, 32].</summary>
    long[] SampleShape { get; }

    /// <summary>v for x [B, ...sample], t [B] in [0, 1], and a conditioning of batch B.</summary>
    Tensor Velocity(Tensor x, Tensor t, TextConditioning condition);
}
