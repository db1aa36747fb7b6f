using Arbor.Tensors;

namespace Arbor.Sampling;

/// <summary>
/// Classifier-free guidance's combination, v = v_u + w·(v_c − v_u) (ALGORITHMS.md §1), of one doubled forward
/// [conditional; unconditional]: what <see cref="GuidedVelocity"/> (sampling) and the rollout conditioning
/// (rollouts and training) both step with.
/// </summary>
public static class ClassifierFreeGuidance
{
    /// <summary>
    /// The guided velocity from the model's output on a doubled batch [v_c; v_u] of 2N rows, and the conditional half
    /// v_c (a view); both, and the temporaries, in the current scope.
    /// </summary>
    public static (Tensor Guided, Tensor Conditional) Combine(Tensor doubled, double scale)
    {
        long n = doubled.Size(0) / 2;
        var vc = doubled.Narrow(0, 0, n);
        var vu = doubled.Narrow(0, n, n);
        return (vu + (vc - vu) * scale, vc);
    }
}
