using Arbor.Tensors;

namespace Arbor.Sampling;

/// <summary>Euler's method: x_{i+1} = x_i + v(x_i, t_i)·Δ_i (ALGORITHMS.md §2, "ODE").</summary>
public sealed class EulerSampler : OdeSampler
{
    public override string Name => "euler";
    public override int Evaluations(TimeSchedule schedule) => schedule.Steps;

    /// <summary>
    /// The Euler update x + v·Δ, in the inputs' precision (the result in the current scope): this sampler's step, Heun's
    /// predictor, and the rollouts' ODE transition (<see cref="Steps.OdeStep"/>, in float32).
    /// </summary>
    public static Tensor Update(Tensor x, Tensor v, double delta) => x + v * delta;

    protected override Tensor Step(GuidedVelocity velocity, Tensor x, TimeSchedule schedule, int i) =>
        Update(x, velocity.At(x, schedule.Times[i]), schedule.Delta(i));
}
