using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using Arbor.Evaluation;

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
        var lines = File.Exists(metricsPath)
            ? File.ReadAllLines(metricsPath).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList()
            : new List<JsonElement>();
        var train = lines.Where(e => e.GetProperty("kind").GetString() == "train").ToList();
        var evals = lines.Where(e => e.GetProperty("kind").GetString() == "eval").ToList();
        string xKey = train.Concat(evals).Any(e => e.TryGetProperty("iteration", out _)) ? "iteration" : "step";

        List<(double, double)> Series(IEnumerable<JsonElement> rows, string key) =>
            rows.Where(e => e.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.Number)
                .Select(e => (e.GetProperty(xKey).GetDouble(), e.GetProperty(key).GetDouble())).ToList();

        var charts = new List<string>();
        void Chart(string name, params (string Label, IEnumerable<JsonElement> Rows, string Key)[] series)
        {
            var s = series.Select(x => (x.Label, (IReadOnlyList<(double, double)>)Series(x.Rows, x.Key))).Where(x => x.Item2.Count > 0).ToList();
            if (s.Count > 0) charts.Add(SvgChart.Lines(name, s, xKey));
        }
        var setNames = evals.SelectMany(e => Sets(e).Select(p => p.Name)).Distinct().ToList();
        foreach (var set in setNames)
        {
            var rows = evals.Where(e => Sets(e).Any(p => p.Name == set)).Select(e => WithSet(e, set, xKey)).ToList();
            Chart($"held-out accuracy: {set}", ($"{set} strict", rows, "overall_strict"), ($"{set} partial", rows, "overall_partial"));
        }
        Chart("reward", ("mean", train, "reward_mean"), ("std", train, "reward_std"));
        Chart("loss", ("loss", train, "loss"));
        Chart("KL", ("approx KL", train, "approx_kl"), ("KL to reference", train, "kl"));
        Chart("clip fraction and zero-variance groups", ("clip fraction", train, "clip_fraction"), ("zero-variance share", train, "zero_variance_share"));
        Chart("seconds per iteration by phase", ("rollout", train, "seconds_rollout"), ("reward", train, "seconds_reward"), ("train", train, "seconds_train"));
        Chart("gradient norm", ("grad norm", train, "grad_norm"));
        Chart("signal meter: corr(advantage, Δ log-prob) on edges the step did not see", ("signal", train, "signal"));
        Chart("throughput", ("images/s", train, "images_per_s"));
        Chart("learning rate", ("lr", train, "lr"));

        var sb = new StringBuilder();
        sb.Append("<!doctype html><html><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title>");
        sb.Append("<style>body{font-family:sans-serif;margin:24px;color:#222}h1{font-size:20px}h2{font-size:16px;margin-top:28px}")
          .Append(".charts{display:flex;flex-wrap:wrap;gap:12px}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ddd;padding:4px 8px;text-align:right}")
          .Append("img{image-rendering:pixelated;max-width:100%;border:1px solid #ddd}</style></head><body>");
        sb.Append("<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>");
        sb.Append("<p>").Append(train.Count).Append(" logged ").Append(xKey).Append("s, ").Append(evals.Count).Append(" evaluations. Generated ")
          .Append(DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm")).Append(" UTC from metrics.jsonl.</p>");
        sb.Append("<div class=\"charts\">").Append(string.Join("", charts)).Append("</div>");

        foreach (var set in setNames)
        {
            var rows = evals.Where(e => Sets(e).Any(p => p.Name == set)).ToList();
            AppendSetTable(sb, set, rows, xKey);
            var first = rows[0].GetProperty("sets").GetProperty(set);
            var last = rows[^1].GetProperty("sets").GetProperty(set);
            if (rows.Count > 1) AppendPaired(sb, set, rows[0].GetProperty(xKey).GetInt64(), rows[^1].GetProperty(xKey).GetInt64(), first, last);
            AppendFailures(sb, set, first, last, rows.Count > 1 ? (rows[0].GetProperty(xKey).GetInt64(), rows[^1].GetProperty(xKey).GetInt64()) : null);
        }
        if (train.Count > 1 && xKey == "iteration") AppendTrends(sb, Training.TrainingTrend.FromMetrics(train));

        var samples = Path.Combine(runDirectory, "samples");
        if (Directory.Exists(samples))
            foreach (var png in Directory.GetFiles(samples, "*.png").Order(StringComparer.Ordinal))
                sb.Append("<h2>").Append(WebUtility.HtmlEncode(Path.GetFileNameWithoutExtension(png))).Append("</h2><img alt=\"")
                  .Append(WebUtility.HtmlEncode(Path.GetFileName(png))).Append("\" src=\"data:image/png;base64,")
                  .Append(Convert.ToBase64String(File.ReadAllBytes(png))).Append("\">");
        if (Directory.Exists(samples))
            foreach (var svg in Directory.GetFiles(samples, "*.svg").Order(StringComparer.Ordinal))
                sb.Append("<h2>").Append(WebUtility.HtmlEncode(Path.GetFileNameWithoutExtension(svg))).Append("</h2>").Append(File.ReadAllText(svg));
        sb.Append("</body></html>");
        var path = Path.Combine(runDirectory, FileName);
        File.WriteAllText(path, sb.ToString());
        return path;
    }

    /// <summary>The training reward's trend: does the run improve on what it trains on?</summary>
    private static void AppendTrends(StringBuilder sb, IReadOnlyList<Training.TrendRow> rows)
    {
        if (rows.Count == 0) return;
        sb.Append("<h2>Training reward trend (least squares over iterations)</h2><table><tr><th>series</th><th>iterations</th><th>first tenth</th><th>last tenth</th><th>slope / 100 it</th><th>SE</th></tr>");
        foreach (var r in rows)
            sb.Append("<tr><td>").Append(WebUtility.HtmlEncode(r.Series)).Append("</td><td>").Append(r.Iterations).Append("</td><td>")
              .Append(r.First.ToString("F3", CultureInfo.InvariantCulture)).Append("</td><td>").Append(r.Last.ToString("F3", CultureInfo.InvariantCulture))
              .Append("</td><td>").Append(r.SlopePer100.ToString("+0.000;-0.000", CultureInfo.InvariantCulture)).Append("</td><td>")
              .Append(r.SlopeSe.ToString("F3", CultureInfo.InvariantCulture)).Append("</td></tr>");
        sb.Append("</table>");
    }

    /// <summary>The sets of one eval line of metrics.jsonl.</summary>
    private static IEnumerable<JsonProperty> Sets(JsonElement eval) =>
        eval.TryGetProperty("sets", out var sets) && sets.ValueKind == JsonValueKind.Object ? sets.EnumerateObject() : [];

    /// <summary>One set's aggregates with the line's x value, as a row the charts read.</summary>
    private static JsonElement WithSet(JsonElement eval, string set, string xKey)
    {
        var s = eval.GetProperty("sets").GetProperty(set);
        return JsonSerializer.SerializeToElement(new Dictionary<string, double>
        {
            [xKey] = eval.GetProperty(xKey).GetDouble(),
            ["overall_strict"] = s.GetProperty("overall_strict").GetDouble(),
            ["overall_partial"] = s.GetProperty("overall_partial").GetDouble(),
        });
    }

    /// <summary>Strict accuracy per family and overall at every evaluation of one set, each with its binomial SD.</summary>
    private static void AppendSetTable(StringBuilder sb, string set, List<JsonElement> rows, string xKey)
    {
        var last = rows[^1].GetProperty("sets").GetProperty(set);
        var families = last.GetProperty("strict").EnumerateObject().Select(p => p.Name).ToList();
        sb.Append("<h2>Held-out strict accuracy per family: ").Append(WebUtility.HtmlEncode(set)).Append(" (n = ").Append(last.GetProperty("n").GetInt32())
          .Append(", ± one binomial SD)</h2>");
        if (last.TryGetProperty("shared_with_rl", out var shared) && shared.ValueKind == JsonValueKind.Object &&
            shared.EnumerateObject().Where(p => p.Value.GetInt32() > 0).ToList() is { Count: > 0 } repeats)
            sb.Append("<p>Same texts as RL prompts with other seeds (too few distinct prompts to split): ")
              .Append(WebUtility.HtmlEncode(string.Join(", ", repeats.Select(p => $"{p.Name} {p.Value.GetInt32()}/{last.GetProperty("count").GetProperty(p.Name).GetInt32()}")))).Append(".</p>");
        sb.Append("<table><tr><th>").Append(xKey).Append("</th>");
        foreach (var f in families) sb.Append("<th>").Append(WebUtility.HtmlEncode(f)).Append("</th>");
        sb.Append("<th>overall</th></tr>");
        foreach (var e in rows)
        {
            var s = e.GetProperty("sets").GetProperty(set);
            sb.Append("<tr><td>").Append(e.GetProperty(xKey).GetInt64()).Append("</td>");
            foreach (var f in families)
            {
                sb.Append("<td>");
                if (s.GetProperty("strict").TryGetProperty(f, out var v))
                {
                    sb.Append(v.GetDouble().ToString("P0", CultureInfo.InvariantCulture));
                    // a family's SD is what tells a real per-family move from noise: 6 points at 64 prompts
                    if (s.TryGetProperty("count", out var count) && count.TryGetProperty(f, out var n) && n.GetInt32() > 0)
                        sb.Append(" ± ").Append((PairedStatistics.BinomialSd(v.GetDouble(), n.GetInt32()) * 100).ToString("F0", CultureInfo.InvariantCulture));
                }
                sb.Append("</td>");
            }
            sb.Append("<td><b>").Append(s.GetProperty("overall_strict").GetDouble().ToString("P1", CultureInfo.InvariantCulture)).Append("</b> ± ")
              .Append((s.GetProperty("overall_strict_sd").GetDouble() * 100).ToString("F1", CultureInfo.InvariantCulture)).Append("</td></tr>");
        }
        sb.Append("</table>");
    }

    /// <summary>The paired change from the first to the last evaluation of one set (same prompts and seeds).</summary>
    private static void AppendPaired(StringBuilder sb, string set, long from, long to, JsonElement first, JsonElement last)
    {
        SetComparison comparison;
        try { comparison = HeldOutComparison.Between(ReadSet(set, first), ReadSet(set, last)); }
        catch (Exception e) when (e is ArgumentException or FormatException or KeyNotFoundException)
        {
            // a run resumed with other evaluation settings: its first and last evaluations do not pair, and the report says so
            sb.Append("<p>No paired change for ").Append(WebUtility.HtmlEncode(set)).Append(": ").Append(WebUtility.HtmlEncode(e.Message)).Append("</p>");
            return;
        }
        sb.Append("<h2>Paired change, ").Append(WebUtility.HtmlEncode(set)).Append(" (").Append(from).Append(" → ").Append(to)
          .Append("): 95 % interval and exact McNemar p</h2><table><tr><th>family</th><th>n</th><th>before</th><th>after</th><th>change (pts)</th><th>95 % interval</th><th>p</th><th>gained / lost</th></tr>");
        foreach (var (family, c) in comparison.ByFamily.Append(new("overall", comparison.Overall)))
            sb.Append("<tr><td>").Append(WebUtility.HtmlEncode(family)).Append("</td><td>").Append(c.N).Append("</td><td>")
              .Append(c.Before.ToString("P1", CultureInfo.InvariantCulture)).Append("</td><td>").Append(c.After.ToString("P1", CultureInfo.InvariantCulture))
              .Append("</td><td>").Append((c.Change * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture)).Append("</td><td>[")
              .Append((c.Low * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture)).Append(", ").Append((c.High * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture))
              .Append("]</td><td>").Append(SetComparison.P(c.PValue)).Append("</td><td>").Append(c.Gained).Append(" / ").Append(c.Lost).Append("</td></tr>");
        sb.Append("</table><p>partial score: ").Append(WebUtility.HtmlEncode(comparison.Partial.ToString())).Append(" (paired t over prompts)</p>");
    }

    /// <summary>A set's per-prompt outcomes as metrics.jsonl stores them (families in order with their counts, pass bits, scores).</summary>
    public static SetEvaluation ReadSet(string set, JsonElement s)
    {
        var families = s.GetProperty("count").EnumerateObject().SelectMany(p => Enumerable.Repeat(p.Name, p.Value.GetInt32())).ToList();
        var pass = s.GetProperty("pass").GetString() ?? "";
        var scores = s.GetProperty("scores").EnumerateArray().Select(v => v.GetDouble()).ToList();
        if (pass.Length != families.Count || scores.Count != families.Count)
            throw new FormatException($"metrics.jsonl: the {set} evaluation lists {families.Count} prompts but {pass.Length} outcomes and {scores.Count} scores");
        return new SetEvaluation(HeldOutSets.Parse(set), [.. families.Select((f, i) => new SampleOutcome(f, "", pass[i] == '1', scores[i]))]);
    }

    /// <summary>
    /// The failure breakdown of one set's first and last evaluations, as "first → last" per family and reason: for an
    /// RL run it shows what the policy fixed and what it broke (e.g. fewer missing objects, more extra ones).
    /// </summary>
    private static void AppendFailures(StringBuilder sb, string set, JsonElement first, JsonElement last, (long From, long To)? span)
    {
        if (!last.TryGetProperty("failures", out var lastF) || lastF.ValueKind != JsonValueKind.Object) return;
        JsonElement? firstF = span is not null && first.TryGetProperty("failures", out var f0) && f0.ValueKind == JsonValueKind.Object ? f0 : null;
        bool both = firstF is not null;
        static int Count(JsonElement? failures, string family, string? reason)
        {
            if (failures is not { } f || !f.TryGetProperty(family, out var fam)) return 0;
            if (reason is null) return fam.GetProperty("failed").GetInt32();
            return fam.GetProperty("reasons").TryGetProperty(reason, out var n) ? n.GetInt32() : 0;
        }

        var families = lastF.EnumerateObject().Select(p => p.Name).ToList();
        IEnumerable<string> reasons = new[] { lastF }.Concat(firstF is { } ff ? [ff] : [])
            .SelectMany(f => f.EnumerateObject()).SelectMany(p => p.Value.GetProperty("reasons").EnumerateObject().Select(r => r.Name));
        var columns = Evaluation.FamilyFailures.Order(reasons);
        sb.Append("<h2>Why held-out prompts failed: ").Append(WebUtility.HtmlEncode(set)).Append(both ? $" ({span!.Value.From} → {span.Value.To})" : "")
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
