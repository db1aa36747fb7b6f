namespace Arbor.Tensors.NN;

/// <summary>
/// A low-rank adapter (Hu et al., LoRA) on a <see cref="Linear"/>: y = W·x + b + (α/r)·B·A·x, with A
/// [r, in] initialized U(±1/√in) and B [out, r] zero, so a fresh adapter leaves the layer unchanged.
/// It can be disabled (the frozen base is the reference policy for KL) and merged into W.
/// </summary>
public sealed class LoraAdapter : Module
{
    public LoraAdapter(long inFeatures, long outFeatures, int rank, double alpha, Generator? generator = null)
    {
        if (rank < 1) throw new ArgumentOutOfRangeException(nameof(rank), rank, "LoRA rank must be >= 1");
        Rank = rank;
        Alpha = alpha;
        A = RegisterParameter("A", Init.FanInUniform([rank, inFeatures], inFeatures, generator));
        B = RegisterParameter("B", Torch.Zeros([outFeatures, rank]));
    }

    public int Rank { get; }
    public double Alpha { get; }
    public double Scale => Alpha / Rank;
    public Tensor A { get; }
    public Tensor B { get; }

    /// <summary>When false the adapter contributes nothing (the layer is its base).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>True once <see cref="Linear.MergeLora"/> folded the adapter into the base weight.</summary>
    public bool Merged { get; internal set; }

    /// <summary>The adapter's update (α/r)·x·Aᵀ·Bᵀ.</summary>
    public Tensor Delta(Tensor x)
    {
        using var scope = Torch.NewScope();
        return scope.MoveToOuter(F.Linear(F.Linear(x, A), B) * Scale);
    }

    /// <summary>ΔW = (α/r)·B·A, the adapter as a dense weight update.</summary>
    public Tensor DeltaWeight()
    {
        using var scope = Torch.NewScope();
        return scope.MoveToOuter(B.Matmul(A) * Scale);
    }
}
