namespace Arbor.Tensors.Optim;

/// <summary>Hyper-parameters of SGD, libtorch's implementation; defaults are PyTorch's.</summary>
public sealed record SgdOptions
{
    /// <summary>Learning rate (PyTorch requires one; Arbor defaults to 1e-2).</summary>
    public double LearningRate { get; init; } = 1e-2;
    /// <summary>Momentum factor. PyTorch default 0.</summary>
    public double Momentum { get; init; }
    /// <summary>Momentum dampening. PyTorch default 0.</summary>
    public double Dampening { get; init; }
    /// <summary>L2 penalty added to the gradient. PyTorch default 0.</summary>
    public double WeightDecay { get; init; }
    /// <summary>Nesterov momentum. PyTorch default false.</summary>
    public bool Nesterov { get; init; }

    internal double[] Pack() => [LearningRate, Momentum, Dampening, WeightDecay, Nesterov ? 1 : 0];
}

/// <summary>Stochastic gradient descent with optional momentum (libtorch's torch::optim::SGD).</summary>
public sealed class Sgd : Optimizer
{
    public Sgd(IEnumerable<(string Name, Tensor Parameter)> parameters, SgdOptions? options = null)
        : base(0, parameters, (options ?? new()).Pack(), 1) { }

    public Sgd(IEnumerable<Tensor> parameters, SgdOptions? options = null) : this(Unnamed(parameters), options) { }

    protected override string[] BufferNames { get; } = ["momentum_buffer"];
}
