namespace Arbor.Tensors.NN;

/// <summary>Parameter initializers (created without autograd, owned by the caller or the current scope).</summary>
public static class Init
{
    /// <summary>U(−bound, bound).</summary>
    public static Tensor Uniform(long[] shape, double bound, Generator? generator = null, DType dtype = DType.Float32)
    {
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        var u = Torch.Rand(shape, generator, dtype);
        return scope.MoveToOuter(u.MulInPlace(2 * bound).AddInPlace(-bound));
    }

    /// <summary>N(0, std²).</summary>
    public static Tensor Normal(long[] shape, double std, Generator? generator = null, DType dtype = DType.Float32)
    {
        using var noGrad = Torch.NoGrad();
        return Torch.Randn(shape, generator, dtype).MulInPlace(std);
    }

    /// <summary>PyTorch's default for Linear/Conv weights and biases: U(±1/√fan_in) (kaiming_uniform with a = √5).</summary>
    public static Tensor FanInUniform(long[] shape, long fanIn, Generator? generator = null) =>
        Uniform(shape, fanIn > 0 ? 1.0 / Math.Sqrt(fanIn) : 0, generator);
}
