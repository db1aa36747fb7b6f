namespace Arbor.Training;

/// <summary>The policy loss shared by every strategy (ALGORITHMS.md §3).</summary>
public sealed record PolicyLossConfig
{
    /// <summary>PPO clip range ε (with mean log-prob reduction the peers use 1e-4).</summary>
    public double ClipRange { get; init; } = 1e-4;
    /// <summary>Weight β of the KL to the reference policy (Flow-GRPO: 0.04; 0 = no reference forward).</summary>
    public double KlWeight { get; init; }
    /// <summary>
    /// Source nodes per training forward (a memory bound; gradients accumulate across chunks). Keep it
    /// equal to the rollout's MaxBatch: OpenBLAS's sums depend on the batch size, so the same chunks make the
    /// training recompute equal the rollout's log-probabilities bit for bit (ρ = 1 exactly at the first
    /// update); other chunkings differ by ~1e-9.
    /// </summary>
    public int MaxBatch { get; init; } = 128;
    /// <summary>Optimizer steps per iteration: the trained edges are split into this many minibatches.</summary>
    public int UpdatesPerIteration { get; init; } = 1;
    /// <summary>Global gradient-norm clip (ALGORITHMS.md §3: 1.0).</summary>
    public double GradClip { get; init; } = 1.0;
}
