using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>Options of the commands that sample with the ODE sampler
/// (sample, eval): their defaults are one choice, made here once.</summary>
public static class SamplingOptions
{
    public static Option<int> Steps() => new("--steps") { Description = "ODE steps", DefaultValueFactory = _ => 40 };

    /// <summary>
    /// --cfg at the shipped base's measured best guidance, not <see cref="Arbor.Evaluation.EvalConfig"/>'s 4.5;
    /// <paramref name="weight"/> is how the command's help names the weight.
    /// </summary>
    public static Option<double> Guidance(string weight) => new("--cfg")
    {
        Description = $"{weight} (3.0: the shipped base's measured best; ALGORITHMS.md uses 4.5)",
        DefaultValueFactory = _ => 3.0,
    };
}
