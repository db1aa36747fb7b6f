using Arbor.Configuration;

namespace Arbor.Shapes;

/// <summary>
/// How the Shapes world is split into what pretraining and RL may see and what evaluation tests. The
/// defaults hold out 4 of the 24 color-shape pairs (one per shape, each with a different color, so every
/// shape and color is still seen with others) and 2 of the 6 shape pairs of position prompts (disjoint,
/// so every shape still appears in position captions), and fix 32 test, 64 RL and 64 validation prompts per family.
/// </summary>
public sealed record ShapesSplitConfig : IValidatedConfig
{
    /// <summary>Seed of the held-out choice, the test and RL prompt lists and the pretraining data.</summary>
    public ulong Seed { get; init; }

    /// <summary>Color-shape pairs no pretraining caption or RL prompt binds (0-8).</summary>
    public int HeldOutColorShapes { get; init; } = 4;

    /// <summary>Unordered shape pairs no pretraining caption or RL prompt relates by position (0-3).</summary>
    public int HeldOutPositionPairs { get; init; } = 2;

    /// <summary>
    /// Length of each family's fixed test list. Distinct prompts come first, in random order, so any prefix
    /// is a valid smaller test set; a family with fewer distinct prompts (two_object has 12) repeats them.
    /// </summary>
    public int TestPromptsPerFamily { get; init; } = 32;

    /// <summary>
    /// Length of each family's in-distribution validation list (train split, RL and test texts avoided where the
    /// family has texts to spare; <see cref="ShapesSplits.ValidationPrompts"/>). 64: a family's strict accuracy
    /// then has an SD of about 6 points, the overall mean of six families about 2.5 (issue #14).
    /// </summary>
    public int ValidationPromptsPerFamily { get; init; } = 64;

    /// <summary>Length of each family's RL training list (train split, disjoint from the test list where the family allows).</summary>
    public int RlPromptsPerFamily { get; init; } = 64;

    /// <summary>How often test and RL prompts state sizes, regions and colors.</summary>
    public PromptGrammarOptions Grammar { get; init; } = new();

    public IEnumerable<string> Problems()
    {
        if (HeldOutColorShapes is < 0 or > 8) yield return "held_out_color_shapes must be in [0, 8]";
        if (HeldOutPositionPairs is < 0 or > 3) yield return "held_out_position_pairs must be in [0, 3]";
        if (TestPromptsPerFamily < 1) yield return "test_prompts_per_family must be >= 1";
        if (RlPromptsPerFamily < 1) yield return "rl_prompts_per_family must be >= 1";
        if (ValidationPromptsPerFamily < 1) yield return "validation_prompts_per_family must be >= 1";
        foreach (var p in Grammar.Problems()) yield return "grammar." + p;
    }
}
