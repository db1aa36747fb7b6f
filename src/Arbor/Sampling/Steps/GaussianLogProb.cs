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

/// <summary>
/// log π(x' | x) = reduce_D[ −(x' − μ)²/(2s²) − log s − ½·log 2π ] (ALGORITHMS.md §2), per sample [B]. A sample whose
/// std is 0 took a deterministic step (DDIM's last, into ᾱ = 1, where σ_t = 0 whatever η): its elements count 0, the
/// log-density of a point mass that every sample from that parent shares, so path weights that sum log-probabilities
/// (BranchGRPO's fusion) are unchanged by it; such a step is never trained (§2: the last step is not).
/// </summary>
public static class GaussianLogProb
{
    public static Tensor Of(Tensor sample, Transition transition, LogProbReduction reduction = LogProbReduction.Mean)
    {
        using var scope = Torch.NewScope();
        var x = sample.Detach().To(DType.Float32);
        var mu = transition.Mean.To(DType.Float32);
        var std = transition.Std.To(DType.Float32);
        // s = 1 where std = 0 keeps the discarded branch finite (a NaN there would reach the gradient through Where)
        var stochastic = std.Gt(0);
        var s = Torch.Where(stochastic, std, Torch.OnesLike(std));
        var density = -(x - mu).Square() / (s.Square() * 2) - s.Log() - 0.5 * Math.Log(2 * Math.PI);
        var perElement = Torch.Where(stochastic, density, Torch.ZerosLike(density));
        var dims = Enumerable.Range(1, perElement.Dim - 1).Select(d => (long)d).ToArray();
        return scope.MoveToOuter(reduction == LogProbReduction.Mean ? perElement.Mean(dims) : perElement.Sum(dims));
    }
}
