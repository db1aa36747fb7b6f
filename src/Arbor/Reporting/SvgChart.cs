using System.Globalization;
using System.Net;
using System.Text;

namespace Arbor.Reporting;

/// <summary>Line and bar charts as inline SVG: no script, no external asset, readable in any browser.</summary>
public static class SvgChart
{
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf"];
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;
    private const int Left = 52, Right = 12, TitleHeight = 22, LegendRow = 14, Bottom = 34;

    public static string Lines(string title, IReadOnlyList<(string Name, IReadOnlyList<(double X, double Y)> Points)> series,
        string xLabel, int width = 460, int height = 240)
    {
        var all = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y)).ToList();
        var sb = new StringBuilder();
        Header(sb, title, width, height);
        if (all.Count == 0) return NoData(sb, width, height);

        // the legend sits in its own rows between the title and the plot, so it never covers a line
        int top = Legend(sb, series.Select(s => s.Name).ToList(), width, swatchLine: true) + 6;
        double x0 = all.Min(p => p.X), x1 = all.Max(p => p.X), y0 = all.Min(p => p.Y), y1 = all.Max(p => p.Y);
        if (x1 == x0) x1 = x0 + 1;
        var yAxis = Axis.Nice(y0, y1, 5);
        (y0, y1) = (yAxis.Ticks[0], yAxis.Ticks[^1]);
        double Px(double x) => Left + (x - x0) / (x1 - x0) * (width - Left - Right);
        double Py(double y) => height - Bottom - (y - y0) / (y1 - y0) * (height - top - Bottom);

        sb.Append("<g font-size=\"10\" font-family=\"sans-serif\" fill=\"#444\">");
        YTicks(sb, yAxis, Py, width, top);
        // x ticks: nice values inside the logged range (iterations and steps are whole numbers)
        var xAxis = Axis.Nice(x0, x1, 6, integers: true);
        foreach (var (x, i) in xAxis.Ticks.Select((x, i) => (x, i)).Where(t => t.x >= x0 - 1e-9 && t.x <= x1 + 1e-9))
            sb.Append(Inv, $"<text x=\"{Px(x):F1}\" y=\"{height - Bottom + 12}\" text-anchor=\"middle\">{xAxis.Label(i)}</text>");
        sb.Append(Inv, $"<text x=\"{(Left + width - Right) / 2}\" y=\"{height - 4}\" " +
            $"text-anchor=\"middle\">{WebUtility.HtmlEncode(xLabel)}</text></g>");

        for (int s = 0; s < series.Count; s++)
        {
            var pts = series[s].Points.Where(p => double.IsFinite(p.Y)).ToList();
            if (pts.Count == 0) continue;
            var color = Colors[s % Colors.Length];
            var path = string.Join(" ", pts.Select(p => $"{Px(p.X).ToString("F1", Inv)},{Py(p.Y).ToString("F1", Inv)}"));
            sb.Append(Inv, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\" points=\"{path}\"/>");
            if (pts.Count <= 30)
                foreach (var p in pts) sb.Append(Inv, $"<circle cx=\"{Px(p.X):F1}\" cy=\"{Py(p.Y):F1}\" r=\"2.2\" fill=\"{color}\"/>");
        }
        return sb.Append("</svg>").ToString();
    }

    /// <summary>
    /// One mean line per series with its spread drawn as a shaded band behind it (e.g. accuracy over seeds: the mean and the
    /// min–max), each series in its own <c>&lt;g class="series"&gt;</c> with the band as <c>&lt;polygon class="band"&gt;</c>.
    /// A series whose points have no spread (one seed) gets no band. The x axis is continuous (minutes, not iterations).
    /// </summary>
    public static string Bands(string title,
        IReadOnlyList<(string Name, IReadOnlyList<(double X, double Mean, double Low, double High)> Points)> series,
        string xLabel, int width = 460, int height = 260)
    {
        var all = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Mean)).ToList();
        var sb = new StringBuilder();
        Header(sb, title, width, height);
        if (all.Count == 0) return NoData(sb, width, height);

        int top = Legend(sb, series.Select(s => s.Name).ToList(), width, swatchLine: true) + 6;
        var yAxis = Axis.Nice(all.Min(p => Math.Min(p.Low, p.Mean)), all.Max(p => Math.Max(p.High, p.Mean)), 5);
        var xAxis = Axis.Nice(all.Min(p => p.X), all.Max(p => p.X), 6);
        // both axes span whole ticks, so the first and last points sit on a tick rather than on the plot's edge
        double x0 = xAxis.Ticks[0], x1 = xAxis.Ticks[^1], y0 = yAxis.Ticks[0], y1 = yAxis.Ticks[^1];
        double Px(double x) => Left + (x - x0) / (x1 - x0) * (width - Left - Right);
        double Py(double y) => height - Bottom - (y - y0) / (y1 - y0) * (height - top - Bottom);
        string Point(double x, double y) => $"{Px(x).ToString("F1", Inv)},{Py(y).ToString("F1", Inv)}";

        sb.Append("<g font-size=\"10\" font-family=\"sans-serif\" fill=\"#444\">");
        YTicks(sb, yAxis, Py, width, top);
        for (int i = 0; i < xAxis.Ticks.Count; i++)
        {
            sb.Append(Inv,
                $"<text x=\"{Px(xAxis.Ticks[i]):F1}\" y=\"{height - Bottom + 12}\" text-anchor=\"middle\">{xAxis.Label(i)}</text>");
        }
        sb.Append(Inv, $"<text x=\"{(Left + width - Right) / 2}\" y=\"{height - 4}\" " +
            $"text-anchor=\"middle\">{WebUtility.HtmlEncode(xLabel)}</text></g>");

        for (int s = 0; s < series.Count; s++)
        {
            var pts = series[s].Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Mean)).OrderBy(p => p.X).ToList();
            if (pts.Count == 0) continue;
            var color = Colors[s % Colors.Length];
            sb.Append(Inv, $"<g class=\"series\" data-name=\"{WebUtility.HtmlEncode(series[s].Name)}\">");
            if (pts.Any(p => p.High > p.Low))
            {
                // the upper edge left to right, then the lower edge back: one closed outline around the spread
                var outline = pts.Select(p => Point(p.X, p.High)).Concat(pts.AsEnumerable().Reverse().Select(p => Point(p.X, p.Low)));
                sb.Append(Inv, $"<polygon class=\"band\" fill=\"{color}\" fill-opacity=\"0.18\" stroke=\"none\" " +
                    $"points=\"{string.Join(" ", outline)}\"/>");
            }
            sb.Append(Inv, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\" " +
                $"points=\"{string.Join(" ", pts.Select(p => Point(p.X, p.Mean)))}\"/>");
            foreach (var p in pts) sb.Append(Inv, $"<circle cx=\"{Px(p.X):F1}\" cy=\"{Py(p.Mean):F1}\" r=\"2.4\" fill=\"{color}\"/>");
            sb.Append("</g>");
        }
        return sb.Append("</svg>").ToString();
    }

    /// <summary>Grouped bars, one group per category and one bar per series (e.g.
    /// per-family accuracy before and after), on a 0–1 axis shown in percent.</summary>
    public static string Bars(string title, IReadOnlyList<string> categories,
        IReadOnlyList<(string Name, IReadOnlyList<double> Values)> series,
        int width = 460, int height = 240)
    {
        var sb = new StringBuilder();
        Header(sb, title, width, height);
        int top = Legend(sb, series.Select(s => s.Name).ToList(), width, swatchLine: false) + 6;
        double Py(double y) => height - Bottom - y * (height - top - Bottom);
        sb.Append("<g font-size=\"10\" font-family=\"sans-serif\" fill=\"#444\">");
        for (int i = 0; i <= 4; i++)
        {
            double y = i / 4.0;
            sb.Append(Inv, $"<line x1=\"{Left}\" x2=\"{width - Right}\" y1=\"{Py(y):F1}\" y2=\"{Py(y):F1}\" stroke=\"#eee\"/>");
            sb.Append(Inv, $"<text x=\"{Left - 4}\" y=\"{Py(y) + 3:F1}\" text-anchor=\"end\">{i * 25} %</text>");
        }
        double group = (width - Left - Right) / (double)Math.Max(1, categories.Count);
        double bar = group * 0.8 / Math.Max(1, series.Count);
        for (int c = 0; c < categories.Count; c++)
        {
            double gx = Left + c * group;
            sb.Append(Inv, $"<text x=\"{gx + group / 2:F1}\" y=\"{height - Bottom + 12}\" " +
                $"text-anchor=\"middle\">{WebUtility.HtmlEncode(categories[c])}</text>");
            for (int s = 0; s < series.Count; s++)
            {
                double v = c < series[s].Values.Count ? series[s].Values[c] : double.NaN;
                if (!double.IsFinite(v)) continue;
                v = Math.Clamp(v, 0, 1);
                double x = gx + group * 0.1 + s * bar, y = Py(v);
                sb.Append(Inv, $"<rect x=\"{x:F1}\" y=\"{y:F1}\" width=\"{bar - 1:F1}\" height=\"{Math.Max(1, Py(0) - y):F1}\" ")
                    .Append(Inv, $"fill=\"{Colors[s % Colors.Length]}\"><title>")
                    .Append(WebUtility.HtmlEncode($"{series[s].Name} {categories[c]}: {v:P1}")).Append("</title></rect>");
            }
        }
        sb.Append(Inv, $"<line x1=\"{Left}\" x2=\"{width - Right}\" y1=\"{Py(0):F1}\" y2=\"{Py(0):F1}\" stroke=\"#888\"/></g>");
        return sb.Append("</svg>").ToString();
    }

    /// <summary>The chart of nothing: its header and a centred "no data".</summary>
    private static string NoData(StringBuilder sb, int width, int height) => sb.Append(Inv,
        $"<text x=\"{width / 2}\" y=\"{height / 2}\" text-anchor=\"middle\" font-size=\"12\">no data</text></svg>").ToString();

    private static void Header(StringBuilder sb, string title, int width, int height)
    {
        sb.Append(Inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} " +
            $"{height}\" role=\"img\">");
        sb.Append(Inv, $"<title>{WebUtility.HtmlEncode(title)}</title><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>");
        // a title too long for the chart is squeezed to its width rather than cut at both ends
        var fit = title.Length * 7 > width - 8 ? string.Create(Inv, $" textLength=\"{width - 8}\" lengthAdjust=\"spacingAndGlyphs\"") : "";
        sb.Append(Inv, $"<text x=\"{width / 2}\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" " +
            $"font-family=\"sans-serif\"{fit}>{WebUtility.HtmlEncode(title)}</text>");
    }

    /// <summary>The legend in rows under the title (wrapping when it does not fit); returns the y where the plot may start.</summary>
    private static int Legend(StringBuilder sb, IReadOnlyList<string> names, int width, bool swatchLine)
    {
        double x = Left;
        int row = 0;
        sb.Append("<g font-size=\"10\" font-family=\"sans-serif\">");
        for (int s = 0; s < names.Count; s++)
        {
            double w = 18 + 6 * names[s].Length + 12;     // swatch, text at ~6 px a character, gap
            if (x > Left && x + w > width - Right) { x = Left; row++; }
            double y = TitleHeight + LegendRow * row + 9;
            var color = Colors[s % Colors.Length];
            sb.Append(swatchLine
                ? string.Create(Inv,
                    $"<line x1=\"{x:F1}\" x2=\"{x + 14:F1}\" y1=\"{y - 3:F1}\" y2=\"{y - 3:F1}\" stroke=\"{color}\" stroke-width=\"2\"/>")
                : string.Create(Inv, $"<rect x=\"{x:F1}\" y=\"{y - 8:F1}\" width=\"12\" height=\"9\" fill=\"{color}\"/>"));
            sb.Append(Inv, $"<text x=\"{x + 18:F1}\" y=\"{y:F1}\" fill=\"{color}\">{WebUtility.HtmlEncode(names[s])}</text>");
            x += w;
        }
        sb.Append("</g>");
        return TitleHeight + LegendRow * (row + 1);
    }

    private static void YTicks(StringBuilder sb, Axis axis, Func<double, double> py, int width, int top)
    {
        for (int i = 0; i < axis.Ticks.Count; i++)
        {
            double y = py(axis.Ticks[i]);
            sb.Append(Inv, $"<line x1=\"{Left}\" x2=\"{width - Right}\" y1=\"{y:F1}\" y2=\"{y:F1}\" stroke=\"#eee\"/>");
            sb.Append(Inv, $"<text x=\"{Left - 4}\" y=\"{y + 3:F1}\" text-anchor=\"end\">{axis.Label(i)}</text>");
        }
        if (axis.Exponent != 0)
            sb.Append(Inv, $"<text x=\"4\" y=\"{top - 9}\">×1e{axis.Exponent}</text>");
    }

    /// <summary>
    /// Nice tick values (1, 2 or 5 × 10^k apart) covering [lo, hi], labelled with one shared format: fixed decimals, or
    /// mantissas with one shared exponent (shown once as "×1e-4") when the values are very small or very large.
    /// </summary>
    public sealed record Axis(IReadOnlyList<double> Ticks, int Exponent, int Decimals)
    {
        public string Label(int i)
        {
            double m = Ticks[i] / Math.Pow(10, Exponent);
            if (Math.Abs(m) < 1e-9 * Math.Pow(10, -Decimals)) m = 0;   // no "-0.0"
            return m.ToString("F" + Decimals, Inv);
        }

        public static Axis Nice(double lo, double hi, int count, bool integers = false)
        {
            if (!(hi > lo)) { double pad = lo == 0 ? 0.5 : Math.Abs(lo) * 0.1; (lo, hi) = (lo - pad, hi + pad); }
            double step = NiceNumber((hi - lo) / Math.Max(1, count - 1));
            if (integers) step = Math.Max(1, step);
            double start = Math.Floor(lo / step + 1e-9) * step, end = Math.Ceiling(hi / step - 1e-9) * step;
            var ticks = new List<double>();
            for (int k = 0; start + k * step <= end + step * 1e-6; k++) ticks.Add(Math.Round((start + k * step) / step) * step);
            if (ticks.Count < 2) ticks.Add(ticks[0] + step);
            int stepPow = (int)Math.Floor(Math.Log10(step) + 1e-9);
            double biggest = ticks.Max(Math.Abs);
            int bigPow = biggest > 0 ? (int)Math.Floor(Math.Log10(biggest) + 1e-9) : 0;
            int exponent = bigPow < -2 || bigPow >= 5 ? bigPow : 0;
            int decimals = Math.Max(0, exponent - stepPow);
            return new Axis(ticks, exponent, decimals);
        }

        private static double NiceNumber(double raw)
        {
            double pow = Math.Pow(10, Math.Floor(Math.Log10(raw)));
            double f = raw / pow;
            return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * pow;
        }
    }
}
