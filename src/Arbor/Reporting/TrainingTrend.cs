using System.Globalization;
using Arbor.Evaluation;
using Arbor.Runs.Metrics;

namespace Arbor.Reporting;

/// <summary>
/// One series of a run's training rewards (all prompts, or one family's) and its least-squares trend over iterations.
/// </summary>
/// <param name="Series">"reward", "shapes.strict", or "reward: two_object".</param>
/// <param name="First">Mean over the first tenth of the iterations (at least one).</param>
/// <param name="Last">Mean over the last tenth.</param>
/// <param name="SlopePer100">Least-squares slope per 100 iterations.</param>
/// <param name="SlopeSe">Its standard error (NaN with fewer than 3 iterations).</param>
public sealed record TrendRow(string Series, int Iterations, double First, double Last, double SlopePer100, double SlopeSe)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Series}: {First:F3} → {Last:F3}, slope {SlopePer100:+0.000;-0.000} / 100 it (SE {SlopeSe:F3}, {Iterations} it)");
}

/// <summary>
/// The first question about any RL run: does it improve on what it trains on? The trend of the training reward
/// (overall, each reward component, and per family) read from a run's metrics.jsonl train lines.
/// </summary>
public static class TrainingTrend
{
    /// <summary>Trends of every series the iterations carry; skipped iterations and series with fewer than 2 points are left out.</summary>
    public static IReadOnlyList<TrendRow> FromMetrics(IReadOnlyList<TrainIterationRecord> iterations)
    {
        var series = new Dictionary<string, List<(double X, double Y)>>();
        void Add(string name, double x, double value)
        {
            if (!double.IsFinite(value)) return;   // a value the iteration could not measure
            if (!series.TryGetValue(name, out var points)) series[name] = points = [];
            points.Add((x, value));
        }

        foreach (var line in iterations.Where(l => !l.Skipped))
        {
            Add("reward", line.Iteration, line.RewardMean);
            foreach (var c in line.Components.Where(c => c.Key.Contains('.'))) Add(c.Key, line.Iteration, c.Value);
            foreach (var f in line.FamilyRewards) Add($"reward: {f.Key}", line.Iteration, f.Value);
        }
        return [.. series.Where(kv => kv.Value.Count >= 2 && kv.Value.Select(p => p.X).Distinct().Count() >= 2)
            .Select(kv => Row(kv.Key, kv.Value))];
    }

    private static TrendRow Row(string name, List<(double X, double Y)> points)
    {
        var trend = PairedStatistics.LinearTrend([.. points.Select(p => p.X)], [.. points.Select(p => p.Y)]);
        int tenth = Math.Max(1, points.Count / 10);
        return new TrendRow(name, points.Count, points.Take(tenth).Average(p => p.Y), points.TakeLast(tenth).Average(p => p.Y),
            trend.Slope * 100, trend.SlopeSe * 100);
    }
}
