using System.Net;
using System.Text;
using System.Text.Json;

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
        Chart("held-out strict accuracy", ("overall strict", evals, "overall_strict"), ("overall partial", evals, "overall_partial"));
        Chart("reward", ("mean", train, "reward_mean"), ("std", train, "reward_std"));
        Chart("loss", ("loss", train, "loss"));
        Chart("KL", ("approx KL", train, "approx_kl"), ("KL to reference", train, "kl"));
        Chart("clip fraction and zero-variance groups", ("clip fraction", train, "clip_fraction"), ("zero-variance share", train, "zero_variance_share"));
        Chart("seconds per iteration by phase", ("rollout", train, "seconds_rollout"), ("reward", train, "seconds_reward"), ("train", train, "seconds_train"));
        Chart("gradient norm", ("grad norm", train, "grad_norm"));
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

        if (evals.Count > 0)
        {
            sb.Append("<h2>Held-out strict accuracy per family</h2><table><tr><th>").Append(xKey).Append("</th>");
            var families = evals[^1].GetProperty("strict").EnumerateObject().Select(p => p.Name).ToList();
            foreach (var f in families) sb.Append("<th>").Append(WebUtility.HtmlEncode(f)).Append("</th>");
            sb.Append("<th>overall</th></tr>");
            foreach (var e in evals)
            {
                sb.Append("<tr><td>").Append(e.GetProperty(xKey).GetInt64()).Append("</td>");
                foreach (var f in families)
                    sb.Append("<td>").Append(e.GetProperty("strict").TryGetProperty(f, out var v) ? v.GetDouble().ToString("P0") : "").Append("</td>");
                sb.Append("<td><b>").Append(e.GetProperty("overall_strict").GetDouble().ToString("P1")).Append("</b></td></tr>");
            }
            sb.Append("</table>");
            AppendFailures(sb, evals[0], evals[^1], xKey);
        }

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

    /// <summary>
    /// The failure breakdown of the first and last evaluations, as "first → last" per family and reason: for an
    /// RL run it shows what the policy fixed and what it broke (e.g. fewer missing objects, more extra ones).
    /// </summary>
    private static void AppendFailures(StringBuilder sb, JsonElement first, JsonElement last, string xKey)
    {
        if (!last.TryGetProperty("failures", out var lastF) || lastF.ValueKind != JsonValueKind.Object) return;
        JsonElement? firstF = first.TryGetProperty("failures", out var f0) && f0.ValueKind == JsonValueKind.Object ? f0 : null;
        bool both = firstF is not null && first.GetProperty(xKey).GetInt64() != last.GetProperty(xKey).GetInt64();
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
        sb.Append("<h2>Why held-out prompts failed").Append(both ? $" ({xKey} {first.GetProperty(xKey).GetInt64()} → {last.GetProperty(xKey).GetInt64()})" : "")
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
