using Arbor.Models;

namespace Arbor.Sampling;

/// <summary>
/// The decreasing times 1 = t_0 &gt; t_1 &gt; … &gt; t_T = 0 a sampler walks (ALGORITHMS.md §1), optionally
/// warped by the SD3/FLUX time shift t ← s·t / (1 + (s − 1)·t) (s &gt; 1 spends more steps at high noise), and the
/// noise process of the model that walks them, which gives a time its meaning (an ε-model's ᾱ(t)) and decides which
/// steps may run on it: a schedule is made for one model kind.
/// </summary>
public sealed record TimeSchedule(double[] Times)
{
    /// <summary>The model's noise process (default: flow matching, whose time needs no table).</summary>
    public INoiseProcess Process { get; init; } = FlowMatchingProcess.Instance;

    /// <summary>T uniform steps from 1 to 0, shifted by <paramref name="shift"/>, for a model of <paramref name="process"/>
    /// (null: flow matching).</summary>
    public static TimeSchedule Linear(int steps, double shift = 1.0, INoiseProcess? process = null)
    {
        if (steps < 1) throw new ArgumentOutOfRangeException(nameof(steps), steps, "a schedule needs at least one step");
        if (shift <= 0) throw new ArgumentOutOfRangeException(nameof(shift), shift, "time shift must be positive");
        var times = new double[steps + 1];
        for (int i = 0; i <= steps; i++)
        {
            double t = 1.0 - (double)i / steps;
            times[i] = shift * t / (1 + (shift - 1) * t);
        }
        times[steps] = 0;
        return new TimeSchedule(times) { Process = process ?? FlowMatchingProcess.Instance };
    }

    public int Steps => Times.Length - 1;

    /// <summary>Δ_i = t_{i+1} − t_i &lt; 0.</summary>
    public double Delta(int i) => Times[i + 1] - Times[i];
}
