using Arbor.Models;
using Arbor.Tensors;

namespace Arbor.Sampling.Steps;

/// <summary>
/// Flow-GRPO's marginal-preserving reverse SDE, Euler–Maruyama (ALGORITHMS.md §2):
/// σ_i = a·sqrt(t_i/(1 − t_i)) (at t_i = 1 the denominator uses t_1: σ_0 = a·sqrt(1/(1 − t_1))),
/// μ = x + [v + σ_i²/(2t_i)·(x + (1 − t_i)·v)]·Δ, std = σ_i·sqrt(−Δ).
/// </summary>
public sealed class FlowGrpoSdeStep(double noiseLevel = 0.7) : IDenoisingStep
{
    /// <summary>a (Flow-GRPO default 0.7).</summary>
    public double NoiseLevel { get; } = noiseLevel;
    public string Name => "flow_grpo_sde";
    public ModelKind Kind => ModelKind.Flow;

    /// <summary>σ_i before any per-sample scaling.</summary>
    public double Sigma(TimeSchedule schedule, int i)
    {
        double t = schedule.Times[i];
        double denominator = t >= 1.0 ? 1 - schedule.Times[1] : 1 - t;
        return NoiseLevel * Math.Sqrt(t / denominator);
    }

    public Transition Transition(Tensor x, Tensor v, TimeSchedule schedule, int i, Tensor? noiseScale = null)
    {
        DenoisingSteps.RequireKind(this, schedule);
        return SdeDrift.Transition(x, v, schedule, i, Sigma(schedule, i), noiseScale);
    }
}

/// <summary>DanceGRPO's SDE: the same drift with a constant noise level σ_i = η (default 0.3).</summary>
public sealed class DanceGrpoSdeStep(double eta = 0.3) : IDenoisingStep
{
    public double Eta { get; } = eta;
    public string Name => "dance_grpo_sde";
    public ModelKind Kind => ModelKind.Flow;

    public Transition Transition(Tensor x, Tensor v, TimeSchedule schedule, int i, Tensor? noiseScale = null)
    {
        DenoisingSteps.RequireKind(this, schedule);
        return SdeDrift.Transition(x, v, schedule, i, Eta, noiseScale);
    }
}

/// <summary>The score-corrected drift both SDEs share.</summary>
internal static class SdeDrift
{
    public static Transition Transition(Tensor x, Tensor v, TimeSchedule schedule, int i, double sigma, Tensor? noiseScale)
    {
        using var scope = Torch.NewScope();
        double t = schedule.Times[i], dt = schedule.Delta(i);
        var xf = x.To(DType.Float32);
        var vf = v.To(DType.Float32);
        var sig = DenoisingSteps.Constant(sigma, x, noiseScale);                // σ_i (per sample when scaled)
        var correction = sig.Square() / (2 * t) * (xf + vf * (1 - t));
        var mean = xf + (vf + correction) * dt;
        var std = sig * Math.Sqrt(-dt);
        return new Transition(scope.MoveToOuter(mean), scope.MoveToOuter(std));
    }
}
