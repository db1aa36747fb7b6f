using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Models;

/// <summary>
/// t ∈ [0, 1] → a D-vector: sinusoidal features of 1000·t (the scale diffusers and SD3 use), then an MLP.
/// </summary>
public sealed class TimestepEmbedding : Module<Tensor, Tensor>
{
    private readonly long _frequencies;
    private readonly Linear _fc1, _fc2;

    public TimestepEmbedding(long dim, long frequencies = 256, Generator? generator = null)
    {
        _frequencies = frequencies;
        _fc1 = RegisterModule("fc1", new Linear(frequencies, dim, generator: generator));
        _fc2 = RegisterModule("fc2", new Linear(dim, dim, generator: generator));
    }

    /// <summary>[cos(1000·t·ω_k), sin(1000·t·ω_k)] with ω_k = 10000^(−k/half), as DiT.</summary>
    public static Tensor Sinusoidal(Tensor t, long dims)
    {
        using var scope = Torch.NewScope();
        long half = dims / 2;
        var k = Torch.Arange(0, half, 1, DType.Float32, t.Device);
        var freqs = (k * (-Math.Log(10000.0) / half)).Exp();
        var args = (t.To(DType.Float32) * 1000).Unsqueeze(1) * freqs.Unsqueeze(0);
        return scope.MoveToOuter(Torch.Cat([args.Cos(), args.Sin()], 1));
    }

    public override Tensor Forward(Tensor t)
    {
        using var scope = Torch.NewScope();
        return scope.MoveToOuter(_fc2.Forward(_fc1.Forward(Sinusoidal(t, _frequencies)).Silu()));
    }
}
