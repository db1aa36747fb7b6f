namespace Arbor.Cli.Bench;

/// <summary>
/// Several `arbor bench strategies` results merged into one table: a comparison of eight methods over three seeds at 30
/// minutes each is about fourteen hours of runs, so it is measured a few runs at a time, in different sessions, and
/// summarized once over all of them, with the same statistics as one long command would give (mean ± SD over seeds,
/// pairs of configs on their shared seeds). The runs pair only if they share the held-out sets, so inputs whose sets
/// differ are refused, as is the same config and seed twice.
/// </summary>
public static class StrategyTable
{
    /// <summary>Every run of <paramref name="resultsFiles"/> (results.json files or the outputs holding them), in order.</summary>
    public static IReadOnlyList<StrategyResult> Merge(IReadOnlyList<string> resultsFiles)
    {
        if (resultsFiles.Count == 0) throw new ArgumentException("bench table needs at least one results.json");
        var merged = new List<StrategyResult>();
        var firstFrom = "";
        var seen = new Dictionary<(string Config, ulong Seed), string>();   // where each config and seed came from
        foreach (var input in resultsFiles)
        {
            var path = Directory.Exists(input) ? Path.Combine(input, StrategyComparison.ResultsFile) : input;
            foreach (var run in StrategyComparison.Load(path))
            {
                if (!seen.TryAdd((run.Config, run.Seed), path))
                {
                    throw new ArgumentException($"{run.Config} seed {run.Seed} is in both {seen[(run.Config, run.Seed)]} and {path}: " +
                        "a table takes each config and seed once");
                }
                if (merged.Count == 0)
                {
                    firstFrom = path;
                }
                else if (Sets(run) != Sets(merged[0]))
                {
                    throw new ArgumentException($"{path}'s {run.Config} seed {run.Seed} was evaluated on {Sets(run)}, " +
                        $"{firstFrom}'s runs on {Sets(merged[0])}: runs pair only on the same held-out prompts");
                }
                merged.Add(run);
            }
        }
        if (merged.Count == 0) throw new ArgumentException($"no runs in {string.Join(", ", resultsFiles)}");
        return merged;
    }

    private static string Sets(StrategyResult run) => string.Join(", ", run.Sets.Select(s => $"{s.Set} (n = {s.N})"));
}
