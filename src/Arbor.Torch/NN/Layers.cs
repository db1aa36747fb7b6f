namespace Arbor.Tensors.NN;

/// <summary>y = x·Wᵀ + b, W of shape [out, in]; initialized as PyTorch (U(±1/√in)).</summary>
public sealed class Linear : Module<Tensor, Tensor>
{
    public Linear(long inFeatures, long outFeatures, bool bias = true, Generator? generator = null)
    {
        InFeatures = inFeatures;
        OutFeatures = outFeatures;
        Weight = RegisterParameter("weight", Init.FanInUniform([outFeatures, inFeatures], inFeatures, generator));
        if (bias) Bias = RegisterParameter("bias", Init.FanInUniform([outFeatures], inFeatures, generator));
    }

    public long InFeatures { get; }
    public long OutFeatures { get; }
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    /// <summary>The attached low-rank adapter, registered as the sub-module "lora" (names "…lora.A", "…lora.B").</summary>
    public LoraAdapter? Lora { get; private set; }

    /// <summary>Attaches a LoRA adapter; its parameters train, and callers usually freeze the base.</summary>
    public LoraAdapter AttachLora(int rank, double alpha, Generator? generator = null)
    {
        if (Lora is not null) throw new InvalidOperationException("this Linear already has a LoRA adapter");
        Lora = RegisterModule("lora", new LoraAdapter(InFeatures, OutFeatures, rank, alpha, generator));
        return Lora;
    }

    /// <summary>Folds the adapter into the weight (W += (α/r)·B·A); forward is then one matmul.</summary>
    public void MergeLora()
    {
        if (Lora is not { Merged: false } lora) return;
        if (Folded is not null) throw new InvalidOperationException("unfold the adapter before merging it");
        using var noGrad = Torch.NoGrad();
        using var delta = lora.DeltaWeight().DetachFromScope();
        Weight.AddInPlace(delta);
        lora.Merged = true;
    }

    /// <summary>Undoes <see cref="MergeLora"/> (W −= (α/r)·B·A).</summary>
    public void UnmergeLora()
    {
        if (Lora is not { Merged: true } lora) return;
        using var noGrad = Torch.NoGrad();
        using var delta = lora.DeltaWeight().DetachFromScope();
        Weight.SubInPlace(delta);
        lora.Merged = false;
    }

    /// <summary>W + (α/r)·B·A while <see cref="FoldLora"/> holds it (a copy: W itself is untouched), else null.</summary>
    public Tensor? Folded { get; private set; }

    /// <summary>
    /// Computes W + (α/r)·B·A once, as a separate tensor, for a loop that evaluates without gradients and does not change
    /// the adapter (sampling): each forward is then one product instead of three, and W stays bit for bit the base (unlike
    /// <see cref="MergeLora"/>, whose W − ΔW after W + ΔW need not round back). <see cref="UnfoldLora"/> frees it.
    /// </summary>
    public void FoldLora()
    {
        if (Lora is not { Merged: false } lora || Folded is not null) return;
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        Folded = (Weight + lora.DeltaWeight()).DetachFromScope();
    }

    /// <summary>Frees the folded weight; forwards go through the adapter again.</summary>
    public void UnfoldLora()
    {
        Folded?.Dispose();
        Folded = null;
    }

    public override Tensor Forward(Tensor input)
    {
        if (Folded is not null && Lora is { Enabled: true })
        {
            // the folded copy carries no gradient to A and B: a training forward through it would silently train nothing
            if (Torch.IsGradEnabled) throw new InvalidOperationException("a forward with gradients through folded LoRA weights");
            return F.Linear(input, Folded, Bias);
        }
        // Merged and enabled: W already holds the update. Unmerged and disabled: the base alone.
        if (Lora is not { } lora || lora.Merged == lora.Enabled) return F.Linear(input, Weight, Bias);
        using var scope = Torch.NewScope();
        var y = F.Linear(input, Weight, Bias);
        var delta = lora.Delta(input);
        return scope.MoveToOuter(lora.Enabled ? y + delta : y - delta);
    }
}

/// <summary>2-D convolution over [N, C, H, W]; initialized as PyTorch.</summary>
public sealed class Conv2d : Module<Tensor, Tensor>
{
    private readonly (long, long) _stride, _padding, _dilation;
    private readonly long _groups;

    public Conv2d(long inChannels, long outChannels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1,
        long groups = 1, bool bias = true, Generator? generator = null)
    {
        if (inChannels % groups != 0 || outChannels % groups != 0)
            throw new ArgumentException($"channels ({inChannels} in, {outChannels} out) must be divisible by groups ({groups})");
        _stride = (stride, stride);
        _padding = (padding, padding);
        _dilation = (dilation, dilation);
        _groups = groups;
        long fanIn = inChannels / groups * kernelSize * kernelSize;
        Weight = RegisterParameter("weight",
            Init.FanInUniform([outChannels, inChannels / groups, kernelSize, kernelSize], fanIn, generator));
        if (bias) Bias = RegisterParameter("bias", Init.FanInUniform([outChannels], fanIn, generator));
    }

    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor input) => F.Conv2d(input, Weight, Bias, _stride, _padding, _dilation, _groups);
}

/// <summary>Layer normalization over the trailing <c>normalizedShape</c> dims, with optional affine parameters.</summary>
public sealed class LayerNorm : Module<Tensor, Tensor>
{
    private readonly long[] _shape;
    private readonly double _eps;

    public LayerNorm(long[] normalizedShape, double eps = 1e-5, bool elementwiseAffine = true)
    {
        _shape = normalizedShape;
        _eps = eps;
        if (elementwiseAffine)
        {
            Weight = RegisterParameter("weight", Torch.Ones(normalizedShape));
            Bias = RegisterParameter("bias", Torch.Zeros(normalizedShape));
        }
    }

    public LayerNorm(long features, double eps = 1e-5, bool elementwiseAffine = true) : this([features], eps, elementwiseAffine) { }

    public Tensor? Weight { get; }
    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor input) => F.LayerNorm(input, _shape, Weight, Bias, _eps);
}

/// <summary>Group normalization over [N, C, ...] with C split into <c>groups</c>.</summary>
public sealed class GroupNorm : Module<Tensor, Tensor>
{
    private readonly long _groups;
    private readonly double _eps;

    public GroupNorm(long groups, long channels, double eps = 1e-5, bool affine = true)
    {
        if (channels % groups != 0) throw new ArgumentException($"channels ({channels}) must be divisible by groups ({groups})");
        _groups = groups;
        _eps = eps;
        if (affine)
        {
            Weight = RegisterParameter("weight", Torch.Ones([channels]));
            Bias = RegisterParameter("bias", Torch.Zeros([channels]));
        }
    }

    public Tensor? Weight { get; }
    public Tensor? Bias { get; }

    public override Tensor Forward(Tensor input) => F.GroupNorm(input, _groups, Weight, Bias, _eps);
}

/// <summary>A lookup table of <c>count</c> vectors, initialized N(0, 1) as PyTorch.</summary>
public sealed class Embedding : Module<Tensor, Tensor>
{
    public Embedding(long count, long dim, Generator? generator = null)
    {
        Weight = RegisterParameter("weight", Init.Normal([count, dim], 1.0, generator));
    }

    public Tensor Weight { get; }

    public override Tensor Forward(Tensor indices) => F.Embedding(indices, Weight);
}

/// <summary>Inverted dropout, active only in training mode.</summary>
public sealed class Dropout(double p) : Module<Tensor, Tensor>
{
    public double P { get; } = p is >= 0 and < 1 ? p
        : throw new ArgumentOutOfRangeException(nameof(p), p, "dropout probability must be in [0, 1)");

    public override Tensor Forward(Tensor input) => P == 0 || !Training ? input.Alias() : F.Dropout(input, P, true);
}

/// <summary>Element-wise activation as a module (for Sequential).</summary>
public sealed class Activation(Func<Tensor, Tensor> function, string name) : Module<Tensor, Tensor>
{
    public string Name { get; } = name;
    public override Tensor Forward(Tensor input) => function(input);

    public static Activation Gelu() => new(x => x.Gelu(), "gelu");
    public static Activation Silu() => new(x => x.Silu(), "silu");
    public static Activation Relu() => new(x => x.Relu(), "relu");
    public static Activation Tanh() => new(x => x.Tanh(), "tanh");
}
