using System.Runtime.Serialization;

namespace Arbor.Evaluation;

/// <summary>
/// The two held-out prompt sets every evaluation reports (ALGORITHMS.md §7). They answer different questions, so
/// neither stands in for the other.
/// </summary>
public enum HeldOutSet
{
    /// <summary>
    /// Prompts drawn the way the RL prompts are (train split) from a validation pool the RL loop never trains on
    /// (<see cref="Shapes.ShapesSplits.ValidationPrompts"/>): GenEval's setting, where Flow-GRPO went 63 % → 95 %.
    /// The primary RL metric.
    /// </summary>
    [EnumMember(Value = "in_distribution")] InDistribution,

    /// <summary>
    /// The test split: for colors, color_attr and position, combinations no pretraining caption and no RL prompt
    /// contains (<see cref="Shapes.ShapesSplits.TestPrompts"/>). The generalization metric.
    /// </summary>
    [EnumMember(Value = "compositional")] Compositional,
}

/// <summary>Names of the held-out sets as they appear in configs, metrics.jsonl and reports.</summary>
public static class HeldOutSets
{
    /// <summary>Both sets, primary first.</summary>
    public static IReadOnlyList<HeldOutSet> All { get; } = [HeldOutSet.InDistribution, HeldOutSet.Compositional];

    public static string Name(this HeldOutSet set) => set switch
    {
        HeldOutSet.InDistribution => "in_distribution",
        HeldOutSet.Compositional => "compositional",
        _ => throw new ArgumentOutOfRangeException(nameof(set), set, "unknown held-out set"),
    };

    /// <summary>The set named <paramref name="name"/>; an unknown name is an error listing the known ones.</summary>
    public static HeldOutSet Parse(string name) =>
        All.FirstOrDefault(s => s.Name() == name, (HeldOutSet)(-1)) is var set && set >= 0
            ? set
            : throw new ArgumentException($"unknown held-out set '{name}' (expected {string.Join(" or ", All.Select(s => s.Name()))})");
}
