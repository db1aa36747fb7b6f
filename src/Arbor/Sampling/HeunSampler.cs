using Arbor.Tensors;

namespace Arbor.Sampling;

/// <summary>
/// Heun's method (explicit trapezoid): an Euler predictor, then the average of the slopes at both ends.
/// Second order, so it reaches a given accuracy in far fewer steps than Euler.
/// </summary>
public sealed class HeunSampler : OdeSampler
{
    public override string Name => "heun";
    public override int EvaluationsPerStep => 2;

    protected override Tensor Step(GuidedVelocity velocity, Tensor x, TimeSchedule schedule, int i)
    {
        double dt = schedule.Delta(i);
        var v1 = velocity.At(x, schedule.Times[i]);
        var v2 = velocity.At(EulerSampler.Update(x, v1, dt), schedule.Times[i + 1]);
        return x + (v1 + v2) * (0.5 * dt);
    }
}
