namespace Arbor.Shapes;

/// <summary>
/// Aggregates verification results GenEval's way: strict accuracy (fraction passing) and partial score
/// (mean <see cref="VerificationResult.Score"/>) per task family, and overall as the unweighted mean over
/// the families that have results, so a family with more prompts does not dominate.
/// </summary>
public sealed class FamilyScoreboard
{
    private readonly Dictionary<TaskFamily, (int Count, int Passed, double ScoreSum)> _tally = [];

    /// <summary>Records one result under its prompt's family.</summary>
    public void Add(VerificationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Add(result.Family, result.Pass, result.Score);
    }

    /// <summary>Records one result.</summary>
    public void Add(TaskFamily family, bool pass, double score)
    {
        var (count, passed, sum) = _tally.GetValueOrDefault(family);
        _tally[family] = (count + 1, passed + (pass ? 1 : 0), sum + score);
    }

    /// <summary>The families with at least one result, in <see cref="TaskFamilies.All"/> order.</summary>
    public IReadOnlyList<TaskFamily> Families => [.. TaskFamilies.All.Where(_tally.ContainsKey)];

    /// <summary>Results recorded for <paramref name="family"/>.</summary>
    public int Count(TaskFamily family) => _tally.GetValueOrDefault(family).Count;

    /// <summary>Fraction of <paramref name="family"/>'s results that pass (0 when there are none).</summary>
    public double Strict(TaskFamily family) => _tally.TryGetValue(family, out var t) ? (double)t.Passed / t.Count : 0;

    /// <summary>Mean score of <paramref name="family"/>'s results (0 when there are none).</summary>
    public double Partial(TaskFamily family) => _tally.TryGetValue(family, out var t) ? t.ScoreSum / t.Count : 0;

    /// <summary>Strict accuracy per family, keyed by GenEval tag (single_object, ...).</summary>
    public IReadOnlyDictionary<string, double> StrictByFamily => Families.ToDictionary(f => f.Name(), Strict);

    /// <summary>Partial score per family, keyed by GenEval tag.</summary>
    public IReadOnlyDictionary<string, double> PartialByFamily => Families.ToDictionary(f => f.Name(), Partial);

    /// <summary>Mean over families of the strict accuracy (0 when empty).</summary>
    public double OverallStrict => Families.Count == 0 ? 0 : Families.Average(Strict);

    /// <summary>Mean over families of the partial score (0 when empty).</summary>
    public double OverallPartial => Families.Count == 0 ? 0 : Families.Average(Partial);

    /// <summary>One line per family and an overall line.</summary>
    public override string ToString()
    {
        var lines = Families.Select(f => $"{f.Name(),-14} strict {Strict(f),7:P1}  partial {Partial(f),7:P1}  (n={Count(f)})").ToList();
        lines.Add($"{"overall",-14} strict {OverallStrict,7:P1}  partial {OverallPartial,7:P1}");
        return string.Join('\n', lines);
    }
}
