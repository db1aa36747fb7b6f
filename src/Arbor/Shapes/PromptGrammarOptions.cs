using Arbor.Configuration;

namespace Arbor.Shapes;

/// <summary>
/// How often the grammar adds optional parts to a prompt. The defaults keep most single-object prompts
/// plain (GenEval's are) while still exercising sizes and regions, and split counting and position prompts
/// evenly between with and without colors.
/// </summary>
public sealed record PromptGrammarOptions : IValidatedConfig
{
    /// <summary>Probability a single_object or colors prompt states a size ("a small blue square").</summary>
    public double SizeProbability { get; init; } = 0.3;

    /// <summary>Probability a single_object or colors prompt states a region ("a red circle on the left").</summary>
    public double RegionProbability { get; init; } = 0.2;

    /// <summary>Probability a counting prompt states a color ("three green triangles").</summary>
    public double CountingColorProbability { get; init; } = 0.5;

    /// <summary>Probability a position prompt gives both objects a color ("a purple square to the left of a cyan circle").</summary>
    public double PositionColorProbability { get; init; } = 0.5;

    public IEnumerable<string> Problems()
    {
        if (SizeProbability is < 0 or > 1) yield return "size_probability must be in [0, 1]";
        if (RegionProbability is < 0 or > 1) yield return "region_probability must be in [0, 1]";
        if (CountingColorProbability is < 0 or > 1) yield return "counting_color_probability must be in [0, 1]";
        if (PositionColorProbability is < 0 or > 1) yield return "position_color_probability must be in [0, 1]";
    }
}
