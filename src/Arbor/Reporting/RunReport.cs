using System.Globalization;
using System.Net;
using System.Text;
using Arbor.Evaluation;
using Arbor.Runs.Metrics;

namespace Arbor.Reporting;

/// <summary>
/// A run's self-contained report.html: charts (inline SVG) of its metrics.jsonl and its evaluation grids
/// (PNG embedded as data URIs). Works for pretraining and RL runs; rewritten after every evaluation.
/// </summary>
public static class RunReport
{
    public const string FileName = "report.html";

    public static string Write(string runDirectory, string title)
    {
        var metricsPath = Path.Combine(runDirectory, "metrics.jsonl");
        var (iterations, steps, evals) = File.Exists(metricsPath) ? RunMetrics.Load(metricsPath) : RunMetrics.Empty;
        // an RL run logs iterations, a pretraining run steps: a chart of either reads the one there is
        string xKey = iterations.Count > 0 || evals.Any(e => e.Iteration is not null) ? "iteration" : "step";

        // a value a line could not measure (NaN, ±∞) is left out of its chart
        static List<(double, double)> Points<T>(IEnumerable<T> rows, Func<T, long> x, Func<T, double> y) =>
            [.. rows.Select(r => ((double)x(r), y(r))).Where(p => double.IsFinite(p.Item2))];
        List<(double, double)> It(Func<TrainIterationRecord, double> y) => Points(iterations, r => r.Iteration, y);
        List<(double, double)> St(Func<PretrainStepRecord, double> y) => Points(steps, r => r.Step, y);

        var charts = new List<string>();
        void Chart(string name, params (string Label, List<(double, double)> Points)[] series)
        {
            var s = series.Where(x => x.Points.Count > 0).Select(x => (x.Label, (IReadOnlyList<(double, double)>)x.Points)).ToList();
            if (s.Count > 0) charts.Add(SvgChart.Lines(name, s, xKey));
        }
        var setNames = evals.SelectMany(e => e.Sets.Keys).Distinct().ToList();
        foreach (var set in setNames)
        {
            var rows = evals.Where(e => e.Sets.ContainsKey(set)).ToList();
            Chart($"held-out accuracy: {set}", ($"{set} strict", Points(rows, e => e.Position, e => e.Sets[set].OverallStrict)),
                ($"{set} partial", Points(rows, e => e.Position, e => e.Sets[set].OverallPartial)));
        }
        // per-family strict accuracy at the first and the last evaluation of each set, side by side
        foreach (var set in setNames)
        {
            var rows = evals.Where(e => e.Sets.ContainsKey(set)).ToList();
            if (rows.Count < 2) continue;
            var (first, last) = (rows[0].Sets[set], rows[^1].Sets[set]);
            var families = last.Strict.Keys.Append("overall").ToList();
            double Acc(EvalSetRecord r, string f) => f == "overall" ? r.OverallStrict : r.Strict.TryGetValue(f, out var v) ? v : double.NaN;
            charts.Add(SvgChart.Bars($"strict accuracy per family, before/after: {set}", families,
                [($"{xKey} {rows[0].Position}", families.Select(f => Acc(first, f)).ToList()),
                 ($"{xKey} {rows[^1].Position}", families.Select(f => Acc(last, f)).ToList())]));
        }
        Chart("reward", ("mean", It(r => r.RewardMean)), ("std", It(r => r.RewardStd)));
        Chart("loss", ("loss", [.. It(r => r.Loss), .. St(r => r.Loss)]));
        Chart("KL", ("approx KL", It(r => r.ApproxKl)), ("KL to reference", It(r => r.Kl)));
        Chart("clip fraction and zero-variance groups", ("clip fraction", It(r => r.ClipFraction)),
            ("zero-variance share", It(r => r.ZeroVarianceShare)));
        Chart("seconds per iteration by phase", ("rollout", It(r => r.SecondsRollout)), ("reward", It(r => r.SecondsReward)),
            ("train", It(r => r.SecondsTrain)));
        Chart("gradient norm", ("grad norm", [.. It(r => r.GradNorm), .. St(r => r.GradNorm)]));
        Chart("signal meter: corr(advantage, Δ log-prob) on edges the step did not see", ("signal", It(r => r.Signal)));
        Chart("throughput", ("images/s", St(r => r.ImagesPerSecond)));
        Chart("learning rate", ("lr", St(r => r.LearningRate)));

        var sb = new StringBuilder();
        sb.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title>");
        sb.Append("<style>body{font-family:sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}")
          .Append(".charts{display:flex;flex-wrap:wrap;gap:12px}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid " +
              "#ddd;padding:4px 8px;text-align:right}")
          .Append("img{image-rendering:pixelated;max-width:100%;border:1px solid #ddd}</style></head><body>");
        sb.Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>");
        sb.Append("<p>").Append(iterations.Count + steps.Count).Append(" logged ").Append(xKey).Append("s, ").Append(evals.Count)
            .Append(" evaluations. Generated ")
          .Append(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm")).Append(" UTC from metrics.jsonl.</p>");
        sb.Append("<div class=\"charts\">").Append(string.Join("", charts)).Append("</div>");

        foreach (var set in setNames)
        {
            var rows = evals.Where(e => e.Sets.ContainsKey(set)).ToList();
            AppendSetTable(sb, set, rows, xKey);
            var (first, last) = (rows[0].Sets[set], rows[^1].Sets[set]);
            (long From, long To)? span = rows.Count > 1 ? (rows[0].Position, rows[^1].Position) : null;
            if (span is { } paired) AppendPaired(sb, set, paired.From, paired.To, first, last);
            AppendFailures(sb, set, first, last, span);
        }
        if (iterations.Count > 1) AppendTrends(sb, TrainingTrend.FromMetrics(iterations));

        var samples = Path.Combine(runDirectory, "samples");
        if (Directory.Exists(samples))
        {
            foreach (var png in Directory.GetFiles(samples, "*.png").Order(StringComparer.Ordinal))
            {
                sb.Append("<h2>").Append(WebUtility.HtmlEncode(Path.GetFileNameWithoutExtension(png))).Append("</h2><img alt=\"")
                  .Append(WebUtility.HtmlEncode(Path.GetFileName(png))).Append("\" src=\"data:image/png;base64,")
                  .Append(Convert.ToBase64String(File.ReadAllBytes(png))).Append("\">");
            }
        }
        if (Directory.Exists(samples))
        {
            foreach (var svg in Directory.GetFiles(samples, "*.svg").Order(StringComparer.Ordinal))
            {
                sb.Append("<h2>").Append(WebUtility.HtmlEncode(Path.GetFileNameWithoutExtension(svg))).Append("</h2>")
                    .Append(File.ReadAllText(svg));
            }
        }
        sb.Append("</body></html>");
        var path = Path.Combine(runDirectory, FileName);
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    /// <summary>The training reward's trend: does the run improve on what it trains on?</summary>
    private static void AppendTrends(StringBuilder sb, IReadOnlyList<TrendRow> rows)
    {
        if (rows.Count == 0) return;
        sb.Append("<h2>Training reward trend (least squares over iterations)</h2><table><tr><th>series</th><th>iterations</th><th>first " +
            "tenth</th><th>last tenth</th><th>slope / 100 it</th><th>SE</th></tr>");
        foreach (var r in rows)
        {
            sb.Append("<tr><td>").Append(WebUtility.HtmlEncode(r.Series)).Append("</td><td>").Append(r.Iterations).Append("</td><td>")
              .Append(r.First.ToString("F3", CultureInfo.InvariantCulture)).Append("</td><td>")
              .Append(r.Last.ToString("F3", CultureInfo.InvariantCulture))
              .Append("</td><td>").Append(r.SlopePer100.ToString("+0.000;-0.000", CultureInfo.InvariantCulture)).Append("</td><td>")
              .Append(r.SlopeSe.ToString("F3", CultureInfo.InvariantCulture)).Append("</td></tr>");
        }
        sb.Append("</table>");
    }

    /// <summary>Strict accuracy per family and overall at every evaluation of one set, each with its binomial SD.</summary>
    private static void AppendSetTable(StringBuilder sb, string set, List<EvalRecord> rows, string xKey)
    {
        var last = rows[^1].Sets[set];
        var families = last.Strict.Keys.ToList();
        sb.Append("<h2>Held-out strict accuracy per family: ").Append(WebUtility.HtmlEncode(set)).Append(" (n = ").Append(last.N)
          .Append(", ± one binomial SD)</h2>");
        if (last.SharedWithRl?.Where(p => p.Value > 0).ToList() is { Count: > 0 } repeats)
        {
            sb.Append("<p>Same texts as RL prompts with other seeds (too few distinct prompts to split): ")
              .Append(WebUtility.HtmlEncode(string.Join(", ",
                  repeats.Select(p => $"{p.Key} {p.Value}/{last.Count[p.Key]}")))).Append(".</p>");
        }
        sb.Append("<table><tr><th>").Append(xKey).Append("</th>");
        foreach (var f in families) sb.Append("<th>").Append(WebUtility.HtmlEncode(f)).Append("</th>");
        sb.Append("<th>overall</th></tr>");
        foreach (var e in rows)
        {
            var s = e.Sets[set];
            sb.Append("<tr><td>").Append(e.Position).Append("</td>");
            foreach (var f in families)
            {
                sb.Append("<td>");
                if (s.Strict.TryGetValue(f, out var v))
                {
                    sb.Append(v.ToString("P0", CultureInfo.InvariantCulture));
                    // a family's SD is what tells a real per-family move from noise: 6 points at 64 prompts
                    if (s.Count.TryGetValue(f, out var n) && n > 0)
                        sb.Append(" ± ").Append((PairedStatistics.BinomialSd(v, n) * 100).ToString("F0", CultureInfo.InvariantCulture));
                }
                sb.Append("</td>");
            }
            sb.Append("<td><b>").Append(s.OverallStrict.ToString("P1", CultureInfo.InvariantCulture)).Append("</b> ± ")
              .Append((s.OverallStrictSd * 100).ToString("F1", CultureInfo.InvariantCulture)).Append("</td></tr>");
        }
        sb.Append("</table>");
    }

    /// <summary>The paired change from the first to the last evaluation of one set (same prompts and seeds).</summary>
    private static void AppendPaired(StringBuilder sb, string set, long from, long to, EvalSetRecord first, EvalSetRecord last)
    {
        SetComparison comparison;
        try { comparison = HeldOutComparison.Between(first.ToSetEvaluation(set), last.ToSetEvaluation(set)); }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            // a run resumed with other evaluation settings: its first and last evaluations do not pair, and the report says so
            sb.Append("<p>No paired change for ").Append(WebUtility.HtmlEncode(set)).Append(": ")
                .Append(WebUtility.HtmlEncode(e.Message)).Append("</p>");
            return;
        }
        sb.Append("<h2>Paired change, ").Append(WebUtility.HtmlEncode(set)).Append(" (").Append(from).Append(" → ").Append(to)
          .Append("): 95 % interval and exact McNemar p</h2><table><tr><th>family</th><th>n</th><th>before</th><th>after</th><th>change " +
              "(pts)</th><th>95 % interval</th><th>p</th><th>gained / lost</th></tr>");
        foreach (var (family, c) in comparison.ByFamily.Append(new("overall", comparison.Overall)))
        {
            sb.Append("<tr><td>").Append(WebUtility.HtmlEncode(family)).Append("</td><td>").Append(c.N).Append("</td><td>")
              .Append(c.Before.ToString("P1", CultureInfo.InvariantCulture)).Append("</td><td>")
              .Append(c.After.ToString("P1", CultureInfo.InvariantCulture))
              .Append("</td><td>").Append((c.Change * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture)).Append("</td><td>[")
              .Append((c.Low * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture)).Append(", ")
              .Append((c.High * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture))
              .Append("]</td><td>").Append(SetComparison.P(c.PValue)).Append("</td><td>").Append(c.Gained).Append(" / ")
              .Append(c.Lost).Append("</td></tr>");
        }
        sb.Append("</table><p>partial score: ").Append(WebUtility.HtmlEncode(comparison.Partial.ToString()))
            .Append(" (paired t over prompts)</p>");
    }

    /// <summary>
    /// The failure breakdown of one set's first and last evaluations, as "first → last" per family and reason: for an
    /// RL run it shows what the policy fixed and what it broke (e.g. fewer missing objects, more extra ones).
    /// </summary>
    private static void AppendFailures(StringBuilder sb, string set, EvalSetRecord first, EvalSetRecord last, (long From, long To)? span)
    {
        if (last.Failures is not { } lastF) return;
        var firstF = span is not null ? first.Failures : null;
        bool both = firstF is not null;
        static int Count(IReadOnlyDictionary<string, FamilyFailures>? failures, string family, string? reason) =>
            failures is null || !failures.TryGetValue(family, out var fam) ? 0 : reason is null ? fam.Failed
                : fam.Reasons.GetValueOrDefault(reason);

        var families = lastF.Keys.ToList();
        var reasons = new[] { lastF }.Concat(firstF is { } ff ? [ff] : []).SelectMany(f => f.Values).SelectMany(f => f.Reasons.Keys);
        var columns = Arbor.Shapes.FailureReasons.Order(reasons);
        sb.Append("<h2>Why held-out prompts failed: ").Append(WebUtility.HtmlEncode(set))
            .Append(both ? $" ({span!.Value.From} → {span.Value.To})" : "")
          .Append("</h2><table><tr><th>family</th><th>failed</th>");
        foreach (var r in columns) sb.Append("<th>").Append(WebUtility.HtmlEncode(r.Replace('_', ' '))).Append("</th>");
        sb.Append("</tr>");
        foreach (var family in families)
        {
            sb.Append("<tr><td>").Append(WebUtility.HtmlEncode(family)).Append("</td>");
            foreach (var r in new string?[] { null }.Concat(columns))
            {
                int now = Count(lastF, family, r);
                sb.Append("<td>").Append(both ? $"{Count(firstF, family, r)} → {now}" : now.ToString()).Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</table>");
    }
}
