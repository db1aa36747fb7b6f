using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Cli.Bench;

/// <summary>
/// The pre-LN transformer block of the binding benchmark. It must match bench/python/binding_bench.py
/// operation for operation, so the two measure the same computation.
/// </summary>
public sealed class BenchTransformerBlock : Module<Tensor, Tensor>
{
    private readonly long _heads;
    private readonly LayerNorm _norm1, _norm2;
    private readonly Linear _qkv, _proj, _fc1, _fc2;

    public BenchTransformerBlock(long dim, long heads, Generator? generator = null)
    {
        _heads = heads;
        _norm1 = RegisterModule("norm1", new LayerNorm(dim));
        _qkv = RegisterModule("qkv", new Linear(dim, 3 * dim, generator: generator));
        _proj = RegisterModule("proj", new Linear(dim, dim, generator: generator));
        _norm2 = RegisterModule("norm2", new LayerNorm(dim));
        _fc1 = RegisterModule("fc1", new Linear(dim, 4 * dim, generator: generator));
        _fc2 = RegisterModule("fc2", new Linear(4 * dim, dim, generator: generator));
    }

    public override Tensor Forward(Tensor x)
    {
        using var scope = Torch.NewScope();
        var s = x.Shape;
        long b = s[0], n = s[1], d = s[2];
        var qkv = _qkv.Forward(_norm1.Forward(x)).Reshape(b, n, 3, _heads, d / _heads).Permute(2, 0, 3, 1, 4);
        var a = F.ScaledDotProductAttention(qkv[0], qkv[1], qkv[2]);
        var h = x + _proj.Forward(a.Transpose(1, 2).Reshape(b, n, d));
        var y = h + _fc2.Forward(_fc1.Forward(_norm2.Forward(h)).Gelu());
        return scope.MoveToOuter(y);
    }
}
