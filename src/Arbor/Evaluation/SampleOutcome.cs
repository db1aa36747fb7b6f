using System.Text.Json.Serialization;

namespace Arbor.Evaluation;

/// <summary>
/// One evaluated prompt of a held-out set, as kept for paired comparisons: the same set evaluated twice yields the
/// same prompts and noise seeds in the same order, so outcome i of one evaluation pairs with outcome i of the other.
/// </summary>
public sealed record SampleOutcome(
    [property: JsonPropertyName("family")] string Family,
    [property: JsonPropertyName("prompt")] string Prompt,
    [property: JsonPropertyName("pass")] bool Pass,
    [property: JsonPropertyName("score")] double Score);
