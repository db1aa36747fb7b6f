using Arbor.Models;
using Arbor.Tensors;

namespace Arbor.Sampling.Steps;

/// <summary>
/// Coefficients-preserving sampling (Flow-GRPO's newer option, ALGORITHMS.md §2): with x̂0 = x − t·v and
/// ε̂ = x + (1 − t)·v, std = t_{i+1}·sin(a·π/2) and μ = (1 − t_{i+1})·x̂0 + sqrt(t_{i+1}² − std²)·ε̂.
/// </summary>
public sealed class CpsStep(double noiseLevel = 0.7) : IDenoisingStep
{
    public double NoiseLevel { get; } = noiseLevel;
    public string Name => "cps";
    public ModelKind Kind => ModelKind.Flow;

    public Transition Transition(Tensor x, Tensor v, TimeSchedule schedule, int i, Tensor? noiseScale = null)
    {
        DenoisingSteps.RequireKind(this, schedule);
        using var scope = Torch.NewScope();
        double t = schedule.Times[i], next = schedule.Times[i + 1];
        var xf = x.To(DType.Float32);
        var vf = v.To(DType.Float32);
        var x0 = xf - vf * t;
        var eps = xf + vf * (1 - t);
        var std = DenoisingSteps.Constant(next * Math.Sin(NoiseLevel * Math.PI / 2), x, noiseScale);
        var epsCoefficient = (std.Square().Neg() + next * next).Clamp(min: 0).Sqrt();
        var mean = x0 * (1 - next) + epsCoefficient * eps;
        return new Transition(scope.MoveToOuter(mean), scope.MoveToOuter(std));
    }
}
