using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Models;

/// <summary>
/// One adaLN-Zero block: self-attention, cross-attention to text, MLP, each on a LayerNorm modulated by
/// (shift, scale) from the conditioning vector and added back through a gate. The modulation layer
/// starts at zero, so every gate is 0 and the block starts as the identity (DiT's adaLN-Zero).
/// </summary>
public sealed class DiTBlock : Module
{
    private readonly LayerNorm _norm1, _norm2, _norm3;
    private readonly MultiHeadAttention _self, _cross;
    private readonly Linear _fc1, _fc2, _modulation;

    public DiTBlock(long dim, long heads, long mlpRatio, Generator? generator = null)
    {
        _norm1 = RegisterModule("norm1", new LayerNorm(dim, 1e-6, elementwiseAffine: false));
        _self = RegisterModule("attn", new MultiHeadAttention(dim, heads, dim, generator));
        _norm2 = RegisterModule("norm2", new LayerNorm(dim, 1e-6, elementwiseAffine: false));
        _cross = RegisterModule("cross", new MultiHeadAttention(dim, heads, dim, generator));
        _norm3 = RegisterModule("norm3", new LayerNorm(dim, 1e-6, elementwiseAffine: false));
        _fc1 = RegisterModule("fc1", new Linear(dim, mlpRatio * dim, generator: generator));
        _fc2 = RegisterModule("fc2", new Linear(mlpRatio * dim, dim, generator: generator));
        _modulation = RegisterModule("adaLN", new Linear(dim, 9 * dim, generator: generator));
        using var noGrad = Torch.NoGrad();
        _modulation.Weight.ZeroInPlace();
        _modulation.Bias!.ZeroInPlace();
    }

    /// <summary>x [B, N, D], c [B, D], text [B, L, D] with mask [B, L].</summary>
    public Tensor Forward(Tensor x, Tensor c, Tensor text, Tensor textMask)
    {
        using var scope = Torch.NewScope();
        return scope.MoveToOuter(ForwardPrepared(x, c, TextKeysValues(text), textMask));
    }

    /// <summary>The cross-attention's keys and values of text [B, L, D]: [2, B, heads, L, D/heads].</summary>
    public Tensor TextKeysValues(Tensor text) => _cross.KeysValues(text);

    /// <summary>x [B, N, D], c [B, D], and the text as precomputed <see cref="TextKeysValues"/> with mask [B, L].</summary>
    public Tensor ForwardPrepared(Tensor x, Tensor c, Tensor textKeysValues, Tensor textMask)
    {
        using var scope = Torch.NewScope();
        var m = _modulation.Forward(c.Silu()).Unsqueeze(1).Chunk(9, 2);
        var h = Modulate(_norm1.Forward(x), m[0], m[1]);
        x = x + m[2] * _self.Forward(h, h);
        x = x + m[5] * _cross.Attend(Modulate(_norm2.Forward(x), m[3], m[4]), textKeysValues, textMask);
        x = x + m[8] * _fc2.Forward(_fc1.Forward(Modulate(_norm3.Forward(x), m[6], m[7])).Gelu(tanhApproximation: true));
        return scope.MoveToOuter(x);
    }

    internal static Tensor Modulate(Tensor x, Tensor shift, Tensor scale)
    {
        using var scope = Torch.NewScope();
        return scope.MoveToOuter(x * (scale + 1) + shift);
    }
}
