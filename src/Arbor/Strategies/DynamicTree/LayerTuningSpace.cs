using System.Runtime.Serialization;

namespace Arbor.Strategies.DynamicTree;

/// <summary>Where LayerTuning-RL v1 measures a node's error toward the best leaf (ALGORITHMS.md §5.6).</summary>
public enum LayerTuningSpace
{
    /// <summary>mean_D(v_θ − u_n)² with u_n = (x_n − x0*)/t_n (the seed's form).</summary>
    [EnumMember(Value = "velocity")] Velocity,
    /// <summary>mean_D(x̂0_θ − x0*)² = t_n²·mean_D(v_θ − u_n)²: every node's term on the scale of an image difference.</summary>
    [EnumMember(Value = "x0")] X0,
}
