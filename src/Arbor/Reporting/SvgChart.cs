using System.Globalization;
using System.Net;
using System.Text;

namespace Arbor.Reporting;

/// <summary>A line chart as inline SVG: no script, no external asset, readable in any browser.</summary>
public static class SvgChart
{
    private static readonly string[] Colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#17becf"];

    public static string Lines(string title, IReadOnlyList<(string Name, IReadOnlyList<(double X, double Y)> Points)> series,
        string xLabel, int width = 460, int height = 240)
    {
        var inv = CultureInfo.InvariantCulture;
        var all = series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.Y)).ToList();
        var sb = new StringBuilder();
        sb.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" role=\"img\">");
        sb.Append(inv, $"<title>{WebUtility.HtmlEncode(title)}</title><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>");
        sb.Append(inv, $"<text x=\"{width / 2}\" y=\"16\" text-anchor=\"middle\" font-size=\"13\" font-family=\"sans-serif\">{WebUtility.HtmlEncode(title)}</text>");
        if (all.Count == 0)
            return sb.Append(inv, $"<text x=\"{width / 2}\" y=\"{height / 2}\" text-anchor=\"middle\" font-size=\"12\">no data</text></svg>").ToString();

        const int left = 52, right = 12, top = 26, bottom = 34;
        double x0 = all.Min(p => p.X), x1 = all.Max(p => p.X), y0 = all.Min(p => p.Y), y1 = all.Max(p => p.Y);
        if (x1 == x0) x1 = x0 + 1;
        if (y1 == y0) { y0 -= 0.5; y1 += 0.5; }
        double Px(double x) => left + (x - x0) / (x1 - x0) * (width - left - right);
        double Py(double y) => height - bottom - (y - y0) / (y1 - y0) * (height - top - bottom);

        sb.Append(inv, $"<g font-size=\"10\" font-family=\"sans-serif\" fill=\"#444\">");
        for (int i = 0; i <= 4; i++)
        {
            double y = y0 + (y1 - y0) * i / 4;
            sb.Append(inv, $"<line x1=\"{left}\" x2=\"{width - right}\" y1=\"{Py(y):F1}\" y2=\"{Py(y):F1}\" stroke=\"#eee\"/>");
            sb.Append(inv, $"<text x=\"{left - 4}\" y=\"{Py(y) + 3:F1}\" text-anchor=\"end\">{y.ToString("G3", inv)}</text>");
        }
        sb.Append(inv, $"<text x=\"{left}\" y=\"{height - 6}\">{x0.ToString("G4", inv)}</text>");
        sb.Append(inv, $"<text x=\"{width - right}\" y=\"{height - 6}\" text-anchor=\"end\">{x1.ToString("G4", inv)}</text>");
        sb.Append(inv, $"<text x=\"{(left + width - right) / 2}\" y=\"{height - 6}\" text-anchor=\"middle\">{WebUtility.HtmlEncode(xLabel)}</text></g>");

        for (int s = 0; s < series.Count; s++)
        {
            var pts = series[s].Points.Where(p => double.IsFinite(p.Y)).ToList();
            if (pts.Count == 0) continue;
            var color = Colors[s % Colors.Length];
            var path = string.Join(" ", pts.Select(p => $"{Px(p.X).ToString("F1", inv)},{Py(p.Y).ToString("F1", inv)}"));
            sb.Append(inv, $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"1.6\" points=\"{path}\"/>");
            if (pts.Count <= 30)
                foreach (var p in pts) sb.Append(inv, $"<circle cx=\"{Px(p.X):F1}\" cy=\"{Py(p.Y):F1}\" r=\"2.2\" fill=\"{color}\"/>");
            sb.Append(inv, $"<text x=\"{left + 6 + 110 * s}\" y=\"{top + 10}\" font-size=\"10\" font-family=\"sans-serif\" fill=\"{color}\">{WebUtility.HtmlEncode(series[s].Name)}</text>");
        }
        return sb.Append("</svg>").ToString();
    }
}
