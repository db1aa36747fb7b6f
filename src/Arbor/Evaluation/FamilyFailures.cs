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
    [property: JsonPropertyName("reasons")] IReadOnlyDictionary<string, int> Reasons);
