using Arbor.Models;
using Arbor.Tensors;

namespace Arbor.Sampling.Steps;

/// <summary>
/// DDIM's step for an ε-prediction model (ALGORITHMS.md §6; Song et al. 2021, eq. 12; DDPO's form), with ᾱ = ᾱ(t_i),
/// ᾱ' = ᾱ(t_{i+1}) from the schedule's <see cref="DdpmProcess"/>, x̂0 = (x − sqrt(1 − ᾱ)·ε̂)/sqrt(ᾱ):
/// <code>
///   σ = η·sqrt((1 − ᾱ')/(1 − ᾱ))·sqrt(1 − ᾱ/ᾱ'),   μ = sqrt(ᾱ')·x̂0 + sqrt(1 − ᾱ' − σ²)·ε̂,   x' = μ + σ·z
/// </code>
/// η = 0 is the deterministic DDIM sampler (evaluation, and the ODE nodes of rollouts); η = 1 makes each step DDPM's
/// posterior (DDPO's default). Dynamic-TreeRPO's depth noise multiplies σ; the coefficient of ε̂ then uses that σ, clamped
/// at 0 when σ² exceeds 1 − ᾱ' (more noise than the step can hold: the marginal is no longer kept), as
/// <see cref="CpsStep"/> does. The last step ends at ᾱ' = 1, where σ = 0 for any η: x' = x̂0, deterministic
/// (<see cref="GaussianLogProb"/> scores it 0; it is never trained).
/// </summary>
public sealed class DdimStep(double eta = 1.0) : IDenoisingStep
{
    /// <summary>η (DDPO: 1.0; 0 = deterministic DDIM).</summary>
    public double Eta { get; } = eta;
    public string Name => "ddim";
    public ModelKind Kind => ModelKind.Epsilon;

    /// <summary>σ_i before any per-sample scaling.</summary>
    public double Sigma(TimeSchedule schedule, int i)
    {
        var (a, next) = AlphaBars(schedule, i);
        return Eta * Math.Sqrt((1 - next) / (1 - a)) * Math.Sqrt(1 - a / next);
    }

    public Transition Transition(Tensor x, Tensor v, TimeSchedule schedule, int i, Tensor? noiseScale = null)
    {
        var (a, next) = AlphaBars(schedule, i);
        using var scope = Torch.NewScope();
        var xf = x.To(DType.Float32);
        var eps = v.To(DType.Float32);
        var x0 = (xf - eps * Math.Sqrt(1 - a)) / Math.Sqrt(a);
        var sigma = DenoisingSteps.Constant(Sigma(schedule, i), x, noiseScale);
        var epsCoefficient = (sigma.Square().Neg() + (1 - next)).Clamp(min: 0).Sqrt();
        var mean = x0 * Math.Sqrt(next) + epsCoefficient * eps;
        return new Transition(scope.MoveToOuter(mean), scope.MoveToOuter(sigma));
    }

    /// <summary>ᾱ(t_i) and ᾱ(t_{i+1}) of an ε-model's schedule (a flow schedule is refused, naming both kinds).</summary>
    private (double Now, double Next) AlphaBars(TimeSchedule schedule, int i)
    {
        DenoisingSteps.RequireKind(this, schedule);
        var ddpm = (DdpmProcess)schedule.Process;
        return (ddpm.AlphaBar(schedule.Times[i]), ddpm.AlphaBar(schedule.Times[i + 1]));
    }
}
