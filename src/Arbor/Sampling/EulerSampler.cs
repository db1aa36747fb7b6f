using Arbor.Tensors;

namespace Arbor.Sampling;

/// <summary>Euler's method: x_{i+1} = x_i + v(x_i, t_i)·Δ_i (ALGORITHMS.md §2, "ODE").</summary>
public sealed class EulerSampler : OdeSampler
{
    public override string Name => "euler";
    public override int EvaluationsPerStep => 1;

    protected override Tensor Step(GuidedVelocity velocity, Tensor x, TimeSchedule schedule, int i) =>
        x + velocity.At(x, schedule.Times[i]) * schedule.Delta(i);
}
