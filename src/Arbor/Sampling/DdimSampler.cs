using Arbor.Models;
using Arbor.Sampling.Steps;
using Arbor.Tensors;

namespace Arbor.Sampling;

/// <summary>
/// Deterministic DDIM (η = 0) for an ε-prediction model: each step is <see cref="DdimStep"/>'s mean, the same function the
/// rollouts' ODE nodes take. It is the ε-model's first-order solver: DDIM with η = 0 is Euler's method on the
/// probability-flow ODE in the variables x/sqrt(ᾱ) and sqrt((1 − ᾱ)/ᾱ) (Song et al. 2021, §4.3), which is why
/// <see cref="OdeSolver.Euler"/> names it for this kind.
/// </summary>
public sealed class DdimSampler : OdeSampler
{
    private static readonly DdimStep Step0 = new(0);

    public override string Name => "ddim";
    public override ModelKind Kind => ModelKind.Epsilon;
    public override int Evaluations(TimeSchedule schedule) => schedule.Steps;

    protected override Tensor Step(GuidedVelocity velocity, Tensor x, TimeSchedule schedule, int i) =>
        Step0.Transition(x, velocity.At(x, schedule.Times[i]), schedule, i).Mean;
}
