using System.Globalization;
using System.Text.Json;
using Arbor.Evaluation;

namespace Arbor.Training;

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
    /// <summary>Trends of every series the train lines carry; series with fewer than 2 points are left out.</summary>
    public static IReadOnlyList<TrendRow> FromMetrics(IReadOnlyList<JsonElement> trainLines)
    {
        var series = new Dictionary<string, List<(double X, double Y)>>();
        void Add(string name, double x, JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.Number) return;
            if (!series.TryGetValue(name, out var points)) series[name] = points = [];
            points.Add((x, value.GetDouble()));
        }

        foreach (var line in trainLines)
        {
            if (line.TryGetProperty("skipped", out var skipped) && skipped.ValueKind == JsonValueKind.True) continue;
            double x = line.GetProperty("iteration").GetDouble();
            if (line.TryGetProperty("reward_mean", out var reward)) Add("reward", x, reward);
            if (line.TryGetProperty("components", out var components) && components.ValueKind == JsonValueKind.Object)
                foreach (var c in components.EnumerateObject().Where(c => c.Name.Contains('.'))) Add(c.Name, x, c.Value);
            if (line.TryGetProperty("family_rewards", out var families) && families.ValueKind == JsonValueKind.Object)
                foreach (var f in families.EnumerateObject()) Add($"reward: {f.Name}", x, f.Value);
        }
        return [.. series.Where(kv => kv.Value.Count >= 2 && kv.Value.Select(p => p.X).Distinct().Count() >= 2).Select(kv => Row(kv.Key, kv.Value))];
    }

    private static TrendRow Row(string name, List<(double X, double Y)> points)
    {
        var trend = PairedStatistics.LinearTrend([.. points.Select(p => p.X)], [.. points.Select(p => p.Y)]);
        int tenth = Math.Max(1, points.Count / 10);
        return new TrendRow(name, points.Count, points.Take(tenth).Average(p => p.Y), points.TakeLast(tenth).Average(p => p.Y),
            trend.Slope * 100, trend.SlopeSe * 100);
    }
}
