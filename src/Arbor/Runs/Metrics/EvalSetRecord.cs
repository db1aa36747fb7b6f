using System.Text.Json.Serialization;
using Arbor.Evaluation;

namespace Arbor.Runs.Metrics;

/// <summary>
/// One held-out set of an <see cref="EvalRecord"/>: the aggregates of a <see cref="SetEvaluation"/> and every prompt's
/// outcome in set order, which is what pairs two evaluations of the same set prompt by prompt.
/// </summary>
public sealed record EvalSetRecord
{
    /// <summary>Prompts evaluated.</summary>
    [JsonPropertyName("n")] public int N { get; init; }

    /// <summary>Prompts per family, in set order (with <see cref="Pass"/> and <see cref="Scores"/>, each prompt's family).</summary>
    [JsonPropertyName("count")] public IReadOnlyDictionary<string, int> Count { get; init; } = new Dictionary<string, int>();

    /// <summary>Strict and partial accuracy per family.</summary>
    [JsonPropertyName("strict")] public IReadOnlyDictionary<string, double> Strict { get; init; } = new Dictionary<string, double>();

    [JsonPropertyName("partial")] public IReadOnlyDictionary<string, double> Partial { get; init; } = new Dictionary<string, double>();

    /// <summary>The unweighted mean of the families' strict accuracies, its binomial SD, and the same mean of partial scores.</summary>
    [JsonPropertyName("overall_strict")] public double OverallStrict { get; init; }

    [JsonPropertyName("overall_strict_sd")] public double OverallStrictSd { get; init; }

    [JsonPropertyName("overall_partial")] public double OverallPartial { get; init; }

    /// <summary>Why prompts failed, per family (null when the evaluator does not say).</summary>
    [JsonPropertyName("failures")] public IReadOnlyDictionary<string, FamilyFailures>? Failures { get; init; }

    /// <summary>Per family, how many prompts repeat an RL prompt's text with another seed (null when the evaluator does not say).</summary>
    [JsonPropertyName("shared_with_rl")] public IReadOnlyDictionary<string, int>? SharedWithRl { get; init; }

    /// <summary>File name of the evaluation's sample grid in samples/ (null: none).</summary>
    [JsonPropertyName("grid")] public string? Grid { get; init; }

    /// <summary>Every prompt's pass bit in set order, as '1' and '0'.</summary>
    [JsonPropertyName("pass")] public string Pass { get; init; } = "";

    /// <summary>Every prompt's partial score in set order (4 decimals).</summary>
    [JsonPropertyName("scores")] public IReadOnlyList<double> Scores { get; init; } = [];

    /// <summary>
    /// The sets of <paramref name="report"/> as metrics.jsonl stores them, by name: the aggregates and every prompt's outcome.
    /// </summary>
    public static IReadOnlyDictionary<string, EvalSetRecord> ByName(EvaluationReport report) =>
        report.Sets.ToDictionary(s => s.Name, Of);

    /// <summary>The record of <paramref name="s"/>.</summary>
    public static EvalSetRecord Of(SetEvaluation s) => new()
    {
        N = s.N, Count = s.Count, Strict = s.Strict, Partial = s.Partial, OverallStrict = s.OverallStrict,
        OverallStrictSd = s.OverallStrictSd, OverallPartial = s.OverallPartial, Failures = s.Failures, SharedWithRl = s.SharedWithRl,
        Grid = s.GridPath is { } g ? Path.GetFileName(g) : null,
        Pass = new string([.. s.Outcomes.Select(o => o.Pass ? '1' : '0')]),
        Scores = [.. s.Outcomes.Select(o => Math.Round(o.Score, 4))],
    };

    /// <summary>
    /// The set's per-prompt outcomes (families from <see cref="Count"/> in order, pass bits, scores; no prompt texts)
    /// as a <see cref="SetEvaluation"/> of <paramref name="set"/>, for paired comparisons.
    /// </summary>
    public SetEvaluation ToSetEvaluation(string set)
    {
        var families = Count.SelectMany(p => Enumerable.Repeat(p.Key, p.Value)).ToList();
        if (Pass.Length != families.Count || Scores.Count != families.Count)
        {
            throw new FormatException($"metrics.jsonl: the {set} evaluation lists {families.Count} prompts but {Pass.Length} outcomes " +
                $"and {Scores.Count} scores");
        }
        return new SetEvaluation(HeldOutSets.Parse(set),
            [.. families.Select((f, i) => new SampleOutcome(f, "", Pass[i] == '1', Scores[i]))]);
    }
}
