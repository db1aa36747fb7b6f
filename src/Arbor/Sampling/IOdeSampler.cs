using Arbor.Tensors;

namespace Arbor.Sampling;

/// <summary>A deterministic sampler integrating dx/dt = v from t = 1 (noise) to t = 0 (data).</summary>
public interface IOdeSampler
{
    string Name { get; }

    /// <summary>Model evaluations (NFE) of one <see cref="Sample"/> along <paramref name="schedule"/>.</summary>
    int Evaluations(TimeSchedule schedule);

    /// <summary>Integrates from <paramref name="noise"/> at t_0 = 1 along <paramref name="schedule"/>; returns x at t = 0.</summary>
    Tensor Sample(GuidedVelocity velocity, Tensor noise, TimeSchedule schedule);
}

public static class OdeSamplers
{
    /// <summary>The sampler that integrates as <paramref name="solver"/> says.</summary>
    public static IOdeSampler For(OdeSolver solver) => solver switch
    {
        OdeSolver.Euler => new EulerSampler(),
        OdeSolver.Heun => new HeunSampler(),
        _ => throw new ArgumentOutOfRangeException(nameof(solver), solver, "unknown ODE solver"),
    };

    /// <summary>A command line's solver name (euler or heun).</summary>
    public static OdeSolver Parse(string name) => name.ToLowerInvariant() switch
    {
        "euler" => OdeSolver.Euler,
        "heun" => OdeSolver.Heun,
        _ => throw new ArgumentException($"unknown sampler '{name}': expected euler or heun"),
    };
}
