using System.Text.Json.Serialization;

namespace Arbor.Evaluation;

/// <summary>
/// How one task family's held-out prompts failed: how many were evaluated, how many failed, and how many of
/// the failed ones failed for each named reason (one prompt can fail for several). The reasons are the
/// evaluator's own words; the Shapes verifier's are <see cref="Arbor.Shapes.FailureReasons"/>.
/// </summary>
public sealed record FamilyFailures(
    [property: JsonPropertyName("results")] int Results,
    [property: JsonPropertyName("failed")] int Failed,
    [property: JsonPropertyName("reasons")] IReadOnlyDictionary<string, int> Reasons)
{
    /// <summary>
    /// The distinct reasons in a stable order for tables: the Shapes verifier's in <see cref="Arbor.Shapes.FailureReasons.All"/>
    /// order, then any others in the order first seen.
    /// </summary>
    public static IReadOnlyList<string> Order(IEnumerable<string> reasons) =>
        [.. reasons.Distinct().Select((r, seen) => (r, seen))
            .OrderBy(x => Known(x.r)).ThenBy(x => x.seen).Select(x => x.r)];

    private static int Known(string reason)
    {
        for (int i = 0; i < Arbor.Shapes.FailureReasons.All.Count; i++)
            if (Arbor.Shapes.FailureReasons.All[i] == reason) return i;
        return int.MaxValue;
    }
}
