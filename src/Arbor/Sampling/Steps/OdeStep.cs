using Arbor.Models;
using Arbor.Tensors;

namespace Arbor.Sampling.Steps;

/// <summary>Euler ODE step, x' = x + v·Δ (<see cref="EulerSampler.Update"/>,
/// in float32): deterministic, no log-probability, never trained.</summary>
public sealed class OdeStep : IDenoisingStep
{
    public string Name => "ode";
    public ModelKind Kind => ModelKind.Flow;

    public Transition Transition(Tensor x, Tensor v, TimeSchedule schedule, int i, Tensor? noiseScale = null)
    {
        DenoisingSteps.RequireKind(this, schedule);
        using var scope = Torch.NewScope();
        var mean = EulerSampler.Update(x.To(DType.Float32), v.To(DType.Float32), schedule.Delta(i));
        return new Transition(scope.MoveToOuter(mean), scope.MoveToOuter(DenoisingSteps.Constant(0, x, null)));
    }
}
