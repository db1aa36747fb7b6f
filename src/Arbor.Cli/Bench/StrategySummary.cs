using Arbor.Tensors;
using System.Globalization;
using System.Text;
using Arbor.Evaluation;

namespace Arbor.Cli.Bench;

/// <summary>
/// What `arbor bench strategies` prints and writes to summary.md: one row per config (a single seed's paired interval
/// and p, or the mean ± SD over seeds), the paired change per family of every set, the training reward's trend overall
/// and per family, and every pair of configs on their shared seeds.
/// </summary>
/// <param name="Header">The columns of the per-config table.</param>
/// <param name="Rows">One row per config, in the order the configs first ran.</param>
/// <param name="Markdown">summary.md.</param>
/// <param name="Chart">The per-config accuracy against training time (<see cref="StrategyChart"/>), which summary.md links.</param>
public sealed record StrategySummary(IReadOnlyList<string> Header, IReadOnlyList<string[]> Rows, string Markdown, string Chart)
{
    /// <summary>Writes summary.md and, next to it, the chart it links; returns the path of summary.md.</summary>
    public string WriteTo(string dir)
    {
        File.WriteAllText(Path.Combine(dir, StrategyChart.FileName), Chart);
        var path = Path.Combine(dir, "summary.md");
        File.WriteAllText(path, Markdown);
        return path;
    }

    /// <param name="source">What made the runs, summary.md's first words: one `bench strategies` command, or `bench table`
    /// over the results of several.</param>
    public static StrategySummary Of(IReadOnlyList<StrategyResult> results, ComparisonBudget budget,
        IReadOnlyList<ulong> seeds, DateTime utc, string source = "`arbor bench strategies`")
    {
        var setNames = results[0].Sets.Select(s => s.Set).ToList();
        var configs = results.GroupBy(x => x.Config).ToList();
        var header = new List<string> { "config", "strategy", "seeds", "iterations" };
        foreach (var set in setNames) header.Add($"{set} strict before → after (change)");
        header.AddRange([$"reached +{budget.TargetGain:P0} ({setNames[0]})", "median time to it", "s/iter",
            "rollout / reward / train s", "NFE/iter",
            "trained fwd/iter", "training reward / 100 it (SE)", "signal (SE)"]);
        var rows = new List<string[]>();
        foreach (var g in configs)
        {
            var runs = g.ToList();
            var reached = runs.Where(x => x.Primary.SecondsToTarget is not null).Select(x => x.Primary.SecondsToTarget!.Value).ToList();
            var row = new List<string> { g.Key, runs[0].Strategy, $"{runs.Count}", $"{Median(runs.Select(x => (double)x.Iterations)):F0}" };
            foreach (var set in setNames) row.Add(ChangeCell([.. runs.Select(x => x.Sets.First(s => s.Set == set).Change)]));
            var trend = runs.Select(x => x.TrainingTrends.FirstOrDefault(t => t.Series == "reward")).Where(t => t is not null).ToList();
            row.AddRange([$"{reached.Count}/{runs.Count}", reached.Count > 0 ? $"{Median(reached) / 60:F1} min" : "-",
                $"{Median(runs.Select(x => x.SecondsPerIteration)):F1}",
                $"{Median(runs.Select(x => x.RolloutSeconds)):F1} / {Median(runs.Select(x => x.RewardSeconds)):F2} / " +
                    $"{Median(runs.Select(x => x.TrainSeconds)):F1}",
                $"{Median(runs.Select(x => x.NfePerIteration)):F0}", $"{Median(runs.Select(x => x.TrainedForwardsPerIteration)):F0}",
                trend.Count > 0 ? $"{trend.Average(t => t!.SlopePer100):+0.000;-0.000} ({trend.Average(t => t!.SlopeSe):F3})" : "-",
                runs.Any(x => double.IsFinite(x.SignalMean))
                    ? $"{runs.Where(x => double.IsFinite(x.SignalMean)).Average(x => x.SignalMean):+0.000;-0.000} " +
                        $"({runs.Where(x => double.IsFinite(x.SignalSe)).Select(x => x.SignalSe).DefaultIfEmpty(double.NaN).Average():F3})"
                        : "-"]);
            rows.Add([.. row]);
        }

        var md = new StringBuilder()
            .AppendLine($"{source} ({budget.Text} per run, seeds {string.Join(", ", seeds)}, {budget.PromptsPerFamily} " +
                $"prompts per family in each held-out " +
                $"set{(budget.EvalPrecision is { } p ? $", evaluated in {ComputePrecision.Name(ComputePrecision.Resolve(p))}" : "")}" +
                $"{(budget.TrainPrecision is { } q ? $", trained in {ComputePrecision.Name(ComputePrecision.Resolve(q))}" : "")}, " +
                $"{utc:yyyy-MM-dd HH:mm} UTC)").AppendLine()
            .AppendLine("Change: one seed, the paired change with its 95 % interval and exact McNemar p over the prompts; several seeds, " +
                "the mean change ± SD over seeds.").AppendLine();
        AppendTable(md, header, rows);
        // where a reader would rather look than read: the same accuracies against training time, seeds' spread included
        md.AppendLine().AppendLine($"![{StrategyChart.SetOf(results)} strict accuracy against training minutes, per " +
            $"config]({StrategyChart.FileName})");

        // the overall change is the mean of six families: a real move in one family can hide in it, so each family is shown
        foreach (var set in setNames)
        {
            var families = results[0].Sets.First(s => s.Set == set).ChangeByFamily.Keys.ToList();
            md.AppendLine().AppendLine($"Per family, {set}: strict accuracy before → after (change as above, over each " +
                $"family's prompts):").AppendLine();
            AppendTable(md, ["config", .. families], [.. configs.Select(g => (string[])[g.Key, .. families.Select(f =>
                ChangeCell([.. g.Select(x => x.Sets.First(s => s.Set == set).ChangeByFamily[f])]))])]);
        }

        // the first question about any RL run: does it improve on what it trains on, in each family?
        var trendRows = results.SelectMany(x =>
            x.TrainingTrends.Where(t => t.Series == "reward" || t.Series.StartsWith("reward: ", StringComparison.Ordinal))
            .Select(t => (string[])[x.Config, $"{x.Seed}", t.Series, $"{t.First:F3} → {t.Last:F3}",
                $"{t.SlopePer100:+0.000;-0.000;0.000} ({Finite(t.SlopeSe, "F3")})", $"{t.Iterations}"])).ToList();
        if (trendRows.Count > 0)
        {
            md.AppendLine().AppendLine("Training reward per iteration, overall and per family (first → last: means over the first and " +
                "last tenth of the iterations; least-squares slope per 100 iterations with its standard error):").AppendLine();
            AppendTable(md, ["config", "seed", "series", "first → last", "slope / 100 it (SE)", "iterations"], trendRows);
        }

        // every pair of configs on their shared seeds: paired per prompt (McNemar) and over seeds (paired t)
        var configsRun = configs.Select(g => g.Key).ToList();
        if (configsRun.Count > 1)
        {
            md.AppendLine().AppendLine("Pairwise, final strict accuracy of A − B on the same seeds, prompts and noise (per-prompt " +
                "McNemar; paired t over the seeds' changes):").AppendLine()
                .AppendLine("| A | B | set | per prompt | over seeds |").AppendLine("|---|---|---|---|---|");
            for (int i = 0; i < configsRun.Count; i++)
            {
                for (int j = i + 1; j < configsRun.Count; j++)
                {
                    foreach (var set in setNames)
                    {
                        var (perPrompt, overSeeds) = StrategyComparison.Between([.. results.Where(x => x.Config == configsRun[i])],
                            [.. results.Where(x => x.Config == configsRun[j])], set);
                        md.AppendLine($"| {configsRun[i]} | {configsRun[j]} | {set} | {perPrompt} | " +
                            $"{(overSeeds.N > 1 ? overSeeds.ToString() : "one seed")} |");
                    }
                }
            }
        }
        return new StrategySummary(header, rows, md.ToString(), StrategyChart.Svg(results));
    }

    /// <summary>"42.7 % → 50.5 % (+7.8 pts [+3.1, +12.5], p 0.002)" for one
    /// seed; "42.7 % → 50.5 % (+7.8 ± 2.1 pts, 3 seeds)" for several.</summary>
    public static string ChangeCell(IReadOnlyList<PairedStatistics.PairedChange> runs)
    {
        string span = $"{runs.Average(x => x.Before):P1} → {runs.Average(x => x.After):P1}";
        if (runs.Count == 1)
        {
            var c = runs[0];
            return $"{span} ({c.Change * 100:+0.0;-0.0;0.0} pts [{c.Low * 100:+0.0;-0.0;0.0}, {c.High * 100:+0.0;-0.0;0.0}], p " +
                $"{SetComparison.P(c.PValue)})";
        }
        var (mean, sd) = PairedStatistics.MeanSd([.. runs.Select(x => x.Change)]);
        return $"{span} ({mean * 100:+0.0;-0.0;0.0} ± {sd * 100:F1} pts, {runs.Count} seeds)";
    }

    private static void AppendTable(StringBuilder md, IReadOnlyList<string> header, IEnumerable<string[]> rows)
    {
        md.AppendLine("| " + string.Join(" | ", header) + " |").AppendLine("|" + string.Concat(Enumerable.Repeat("---|", header.Count)));
        foreach (var row in rows) md.AppendLine("| " + string.Join(" | ", row) + " |");
    }

    private static string Finite(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : "n/a";

    private static double Median(IEnumerable<double> values) => new Sample([.. values]).Median;
}
