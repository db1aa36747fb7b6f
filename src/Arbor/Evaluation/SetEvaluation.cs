using System.Globalization;
using System.Text.Json.Serialization;

namespace Arbor.Evaluation;

/// <summary>
/// One held-out set's evaluation: every prompt's outcome in set order, and the aggregates GenEval reports (strict
/// and partial accuracy per family; overall = the unweighted mean over families) with their binomial SDs.
/// </summary>
public sealed record SetEvaluation
{
    public SetEvaluation(HeldOutSet set, IReadOnlyList<SampleOutcome> outcomes, string? gridPath = null,
        IReadOnlyDictionary<string, FamilyFailures>? failures = null, IReadOnlyDictionary<string, int>? sharedWithRl = null)
    {
        Set = set;
        Outcomes = outcomes;
        GridPath = gridPath;
        Failures = failures;
        SharedWithRl = sharedWithRl;
        var byFamily = outcomes.GroupBy(o => o.Family).ToList();
        Count = byFamily.ToDictionary(g => g.Key, g => g.Count());
        Strict = byFamily.ToDictionary(g => g.Key, g => g.Average(o => o.Pass ? 1.0 : 0.0));
        Partial = byFamily.ToDictionary(g => g.Key, g => g.Average(o => o.Score));
        OverallStrict = Strict.Count == 0 ? 0 : Strict.Values.Average();
        OverallPartial = Partial.Count == 0 ? 0 : Partial.Values.Average();
        // the mean of independent families: Var = Σ p(1 − p)/n_f / F²
        OverallStrictSd = Strict.Count == 0 ? 0
            : Math.Sqrt(Strict.Sum(kv => kv.Value * (1 - kv.Value) / Count[kv.Key])) / Strict.Count;
    }

    [JsonIgnore] public HeldOutSet Set { get; }

    [JsonPropertyName("set")] public string Name => Set.Name();

    /// <summary>Every prompt's outcome, in set order (the pairing key of two evaluations).</summary>
    [JsonIgnore] public IReadOnlyList<SampleOutcome> Outcomes { get; }

    [JsonPropertyName("n")] public int N => Outcomes.Count;

    [JsonPropertyName("count")] public IReadOnlyDictionary<string, int> Count { get; }

    [JsonPropertyName("strict")] public IReadOnlyDictionary<string, double> Strict { get; }

    [JsonPropertyName("partial")] public IReadOnlyDictionary<string, double> Partial { get; }

    [JsonPropertyName("overall_strict")] public double OverallStrict { get; }

    /// <summary>Binomial SD of <see cref="OverallStrict"/> (the mean of the families' independent proportions).</summary>
    [JsonPropertyName("overall_strict_sd")] public double OverallStrictSd { get; }

    [JsonPropertyName("overall_partial")] public double OverallPartial { get; }

    /// <summary>Why prompts failed, per family (null when the evaluator does not say).</summary>
    [JsonPropertyName("failures")] public IReadOnlyDictionary<string, FamilyFailures>? Failures { get; }

    /// <summary>Per family, how many prompts repeat an RL prompt's text with another seed (null when the evaluator does not say).</summary>
    [JsonPropertyName("shared_with_rl")] public IReadOnlyDictionary<string, int>? SharedWithRl { get; }

    [JsonPropertyName("grid")] public string? GridPath { get; }

    /// <summary>Binomial SD of family <paramref name="family"/>'s strict accuracy.</summary>
    public double StrictSd(string family) => PairedStatistics.BinomialSd(Strict[family], Count[family]);

    /// <summary>"in_distribution (n = 384): strict 45.1 % ± 2.5, partial 63.0 %".</summary>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Name} (n = {N}): strict {OverallStrict * 100:F1} % ± {OverallStrictSd * 100:F1}, partial {OverallPartial * 100:F1} %");

    /// <summary>One line per family ("two_object 34 % ± 6 (n 64)"), in <see cref="Shapes.TaskFamilies.All"/> order.</summary>
    public string FamilyLine() => string.Join(", ", Strict.Select(kv =>
        string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value * 100:F0} % ± {StrictSd(kv.Key) * 100:F0} (n {Count[kv.Key]})")));

    /// <summary>
    /// What a reader must know about the set's prompts: the families whose prompts repeat RL texts (with other seeds)
    /// because the family has too few distinct prompts to split (in_distribution: single_object, two_object and counting
    /// on the default split; compositional: two_object, whose 12 texts are all test and RL prompts).
    /// </summary>
    public string? Note() => SharedWithRl?.Where(kv => kv.Value > 0).ToList() is { Count: > 0 } shared
        ? "same texts as RL prompts, other seeds (too few distinct prompts to split): " +
          string.Join(", ", shared.Select(kv => $"{kv.Key} {kv.Value}/{Count.GetValueOrDefault(kv.Key)}"))
        : null;
}
