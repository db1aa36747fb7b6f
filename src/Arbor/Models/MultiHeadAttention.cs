using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Models;

/// <summary>
/// Multi-head attention of queries from x over keys/values from a context (x itself for self-attention),
/// with an optional key mask [B, Lk] (true = attend).
/// </summary>
public sealed class MultiHeadAttention : Module
{
    private readonly long _heads;
    private readonly Linear _q, _kv, _out;

    public MultiHeadAttention(long dim, long heads, long contextDim, Generator? generator = null)
    {
        if (dim % heads != 0) throw new ArgumentException($"attention dim {dim} is not divisible by {heads} heads");
        _heads = heads;
        _q = RegisterModule("q", new Linear(dim, dim, generator: generator));
        _kv = RegisterModule("kv", new Linear(contextDim, 2 * dim, generator: generator));
        _out = RegisterModule("out", new Linear(dim, dim, generator: generator));
    }

    public Tensor Forward(Tensor x, Tensor context, Tensor? keyMask = null)
    {
        using var scope = Torch.NewScope();
        return scope.MoveToOuter(Attend(x, KeysValues(context), keyMask));
    }

    /// <summary>Keys and values of a context [B, M, Dc] as one tensor [2, B,
    /// heads, M, D/heads] (cacheable: it depends on the context alone).</summary>
    public Tensor KeysValues(Tensor context)
    {
        using var scope = Torch.NewScope();
        long b = context.Size(0), m = context.Size(1), d = _q.OutFeatures, h = _heads;
        return scope.MoveToOuter(_kv.Forward(context).Reshape(b, m, 2, h, d / h).Permute(2, 0, 3, 1, 4));
    }

    /// <summary>Queries from x [B, N, D] over precomputed <see cref="KeysValues"/> of batch B, key mask [B, M].</summary>
    public Tensor Attend(Tensor x, Tensor keysValues, Tensor? keyMask = null)
    {
        using var scope = Torch.NewScope();
        var s = x.Shape;
        long b = s[0], n = s[1], d = s[2], h = _heads;
        long m = keysValues.Size(3);
        var q = _q.Forward(x).Reshape(b, n, h, d / h).Transpose(1, 2);
        var mask = keyMask?.Reshape(b, 1, 1, m);
        var a = F.ScaledDotProductAttention(q, keysValues[0], keysValues[1], mask);
        return scope.MoveToOuter(_out.Forward(a.Transpose(1, 2).Reshape(b, n, d)));
    }
}
