using Arbor.Models;
using Arbor.Tensors;

namespace Arbor.Sampling;

/// <summary>A deterministic sampler integrating a model's ODE from t = 1 (noise) to t = 0 (data).</summary>
public interface IOdeSampler
{
    string Name { get; }

    /// <summary>The model kind whose predictions it integrates (a schedule of the other kind is refused).</summary>
    ModelKind Kind { get; }

    /// <summary>Model evaluations (NFE) of one <see cref="Sample"/> along <paramref name="schedule"/>.</summary>
    int Evaluations(TimeSchedule schedule);

    /// <summary>Integrates from <paramref name="noise"/> at t_0 = 1 along <paramref name="schedule"/>; returns x at t = 0.</summary>
    Tensor Sample(GuidedVelocity velocity, Tensor noise, TimeSchedule schedule);
}

public static class OdeSamplers
{
    /// <summary>
    /// The sampler that integrates a model of <paramref name="kind"/> as <paramref name="solver"/> says: on a flow model Euler
    /// or Heun; on an ε-prediction model Euler is DDIM with η = 0 (<see cref="DdimSampler"/>, Euler's method in DDIM's
    /// variables), and Heun is refused, naming both kinds.
    /// </summary>
    public static IOdeSampler For(OdeSolver solver, ModelKind kind = ModelKind.Flow)
    {
        if (kind == ModelKind.Epsilon && solver == OdeSolver.Heun)
        {
            ModelKinds.Require(ModelKind.Flow, kind, "the heun sampler", remedy: "use euler, which is deterministic DDIM for this kind");
        }
        return (solver, kind) switch
        {
            (OdeSolver.Euler, ModelKind.Flow) => new EulerSampler(),
            (OdeSolver.Heun, ModelKind.Flow) => new HeunSampler(),
            (OdeSolver.Euler, ModelKind.Epsilon) => new DdimSampler(),
            _ => throw new ArgumentOutOfRangeException(nameof(solver), solver, "unknown ODE solver"),
        };
    }

    /// <summary>A command line's solver name (euler or heun).</summary>
    public static OdeSolver Parse(string name) => name.ToLowerInvariant() switch
    {
        "euler" => OdeSolver.Euler,
        "heun" => OdeSolver.Heun,
        _ => throw new ArgumentException($"unknown sampler '{name}': expected euler or heun"),
    };
}
