using Arbor.Evaluation;
using Arbor.Reporting;

namespace Arbor.Cli.Bench;

/// <summary>
/// The strategies table of `arbor bench strategies` as a picture: held-out strict accuracy against training time, one
/// line per config (the mean over its seeds) with the seeds' min–max as a band. With --eval-every each run has a curve;
/// otherwise its two points, before and after.
/// </summary>
public static class StrategyChart
{
    /// <summary>The chart's file name, next to summary.md.</summary>
    public const string FileName = "accuracy-vs-time.svg";

    /// <summary>The set the chart shows: in_distribution (the primary RL
    /// metric) when the runs evaluated it, else their first set.</summary>
    public static string SetOf(IReadOnlyList<StrategyResult> results)
    {
        var primary = HeldOutSet.InDistribution.Name();
        return results[0].Sets.Any(s => s.Set == primary) ? primary : results[0].Sets[0].Set;
    }

    /// <summary>
    /// Per config, in the order the configs first ran: at each evaluation, the mean training minutes and the mean, min and
    /// max strict accuracy (in %) over its seeds. Evaluation k of every seed is at the same iteration (k × eval_every), so
    /// seeds line up by index; under a minutes budget the seeds may stop after different numbers of evaluations, so only
    /// the indices every seed reached are kept, and the final evaluations (each at the end of the budget) are paired last.
    /// </summary>
    public static IReadOnlyList<(string Name, IReadOnlyList<(double X, double Mean, double Low, double High)> Points)> Series(
        IReadOnlyList<StrategyResult> results, string set)
    {
        var series = new List<(string, IReadOnlyList<(double, double, double, double)>)>();
        foreach (var config in results.GroupBy(r => r.Config))
        {
            var curves = config.Select(r =>
            {
                var strict = r.Sets.First(s => s.Set == set).StrictCurve;
                int n = Math.Min(strict.Count, r.SecondsCurve.Count);
                return Enumerable.Range(0, n).Select(k => (Minutes: r.SecondsCurve[k] / 60, Strict: strict[k] * 100)).ToList();
            }).Where(c => c.Count > 0).ToList();
            if (curves.Count == 0) continue;
            int shared = curves.Min(c => c.Count);
            var points = new List<(double, double, double, double)>();
            for (int k = 0; k < shared; k++)
            {
                var atSeeds = curves.Select(c => k == shared - 1 ? c[^1] : c[k]).ToList();
                points.Add((atSeeds.Average(p => p.Minutes), atSeeds.Average(p => p.Strict), atSeeds.Min(p => p.Strict),
                    atSeeds.Max(p => p.Strict)));
            }
            series.Add((config.Key, points));
        }
        return series;
    }

    /// <summary>The chart as a standalone SVG document.</summary>
    public static string Svg(IReadOnlyList<StrategyResult> results)
    {
        var set = SetOf(results);
        int seeds = results.GroupBy(r => r.Config).Max(g => g.Count());
        var spread = seeds > 1 ? $"mean and min–max over {seeds} seeds" : "one seed";
        return SvgChart.Bands($"{set} strict accuracy (%) against training time ({spread})", Series(results, set),
            "training minutes (rollout + reward + update; evaluations excluded)", width: 640, height: 320);
    }
}
