namespace Arbor.Tensors.Optim;

/// <summary>
/// Hyper-parameters of AdamW (Loshchilov &amp; Hutter), libtorch's implementation. Defaults are PyTorch's,
/// except where Arbor's RL configs override them (ALGORITHMS.md §3: lr 3e-4 LoRA / 1e-5 full, wd 1e-4).
/// </summary>
public sealed record AdamWOptions
{
    /// <summary>Learning rate. PyTorch default 1e-3.</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>First-moment decay β1. PyTorch default 0.9.</summary>
    public double Beta1 { get; init; } = 0.9;
    /// <summary>Second-moment decay β2. PyTorch default 0.999.</summary>
    public double Beta2 { get; init; } = 0.999;
    /// <summary>Denominator epsilon. PyTorch default 1e-8.</summary>
    public double Eps { get; init; } = 1e-8;
    /// <summary>Decoupled weight decay. PyTorch default 1e-2.</summary>
    public double WeightDecay { get; init; } = 1e-2;
    /// <summary>AMSGrad variant. PyTorch default false.</summary>
    public bool AmsGrad { get; init; }

    internal double[] Pack() => [LearningRate, Beta1, Beta2, Eps, WeightDecay, AmsGrad ? 1 : 0];
}

/// <summary>AdamW over named parameters (libtorch's torch::optim::AdamW).</summary>
public sealed class AdamW : Optimizer
{
    public AdamW(IEnumerable<(string Name, Tensor Parameter)> parameters, AdamWOptions? options = null)
        : base(1, parameters, (options ?? new()).Pack(), 3) { }

    public AdamW(IEnumerable<Tensor> parameters, AdamWOptions? options = null) : this(Unnamed(parameters), options) { }

    /// <summary>
    /// AdamW whose weight decay reaches only the parameters of dimension 2 and more (weight matrices, embeddings, kernels),
    /// in group 0, while biases, norms' gains and other vectors train without decay in group 1, as nanoGPT's
    /// configure_optimizers: shrinking a norm's gain or a bias toward zero is no regularization of what the layer
    /// computes, only a pull toward a degenerate layer. A LoRA's parameters are all matrices: one group, as before.
    /// </summary>
    public static AdamW DecayingMatricesOnly(IEnumerable<(string Name, Tensor Parameter)> parameters, AdamWOptions options)
    {
        var all = parameters.ToList();
        var matrices = all.Where(p => p.Parameter.Dim >= 2).ToList();
        var vectors = all.Where(p => p.Parameter.Dim < 2).ToList();
        if (matrices.Count == 0) return new AdamW(vectors, options with { WeightDecay = 0 });
        var optimizer = new AdamW(matrices, options);
        if (vectors.Count > 0) optimizer.AddParamGroup(vectors, options with { WeightDecay = 0 });
        return optimizer;
    }

    /// <summary>Adds parameters with their own options (e.g. no weight decay for norms and biases).</summary>
    public void AddParamGroup(IEnumerable<(string Name, Tensor Parameter)> parameters, AdamWOptions options) =>
        AddGroup(parameters, options.Pack());

    protected override string[] BufferNames { get; } = ["exp_avg", "exp_avg_sq", "max_exp_avg_sq"];
}
