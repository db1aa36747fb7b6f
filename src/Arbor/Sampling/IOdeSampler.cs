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
    public static IOdeSampler ByName(string name) => name.ToLowerInvariant() switch
    {
        "euler" => new EulerSampler(),
        "heun" => new HeunSampler(),
        _ => throw new ArgumentException($"unknown sampler '{name}': expected euler or heun"),
    };
}
