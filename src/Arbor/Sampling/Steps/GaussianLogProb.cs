using Arbor.Tensors;

namespace Arbor.Sampling.Steps;

/// <summary>How a sample's per-element log-densities are combined into one log-probability.</summary>
public enum LogProbReduction
{
    /// <summary>Mean over the D elements (Flow-GRPO's and DanceGRPO's code; Arbor's default; PPO clip ~1e-4).</summary>
    Mean,
    /// <summary>Sum over the elements: the true log-density of the sample.</summary>
    Sum,
}

/// <summary>log π(x' | x) = reduce_D[ −(x' − μ)²/(2s²) − log s − ½·log 2π ] (ALGORITHMS.md §2), per sample [B].</summary>
public static class GaussianLogProb
{
    public static Tensor Of(Tensor sample, Transition transition, LogProbReduction reduction = LogProbReduction.Mean)
    {
        using var scope = Torch.NewScope();
        var x = sample.Detach().To(DType.Float32);
        var mu = transition.Mean.To(DType.Float32);
        var s = transition.Std.To(DType.Float32);
        var perElement = -(x - mu).Square() / (s.Square() * 2) - s.Log() - 0.5 * Math.Log(2 * Math.PI);
        var dims = Enumerable.Range(1, perElement.Dim - 1).Select(d => (long)d).ToArray();
        return scope.MoveToOuter(reduction == LogProbReduction.Mean ? perElement.Mean(dims) : perElement.Sum(dims));
    }
}
