using System.Globalization;
using System.Net;
using System.Text;
using Arbor.Imaging;
using Arbor.Rollouts;

namespace Arbor.Reporting;

/// <summary>
/// One rollout tree as SVG: the x̂0 prediction at the root, at every branching node and its children, and
/// at the leaves (with their reward); ODE chains are collapsed into one edge; edges carry their advantage;
/// the best leaf is framed in green.
/// </summary>
public static class TreePicture
{
    private const int Thumb = 48, ColumnWidth = 96, RowHeight = 64, Margin = 30;

    public static string Svg(RolloutForest forest, int prompt, int tree, string title)
    {
        var inv = CultureInfo.InvariantCulture;
        var nodes = forest.Nodes.Where(n => n.Prompt == prompt && n.Tree == tree).ToList();
        if (nodes.Count == 0) throw new ArgumentException($"no tree {tree} for prompt {prompt}");
        bool Shown(RolloutNode n) => n.Incoming is null || n.IsLeaf || n.Children.Count > 1 || (n.Parent?.Children.Count ?? 0) > 1;
        var shown = nodes.Where(Shown).ToList();
        var leaves = nodes.Where(n => n.IsLeaf).ToList();
        var best = leaves.Where(l => l.Reward.HasValue).MaxBy(l => l.Reward!.Value);

        // columns: distinct steps of shown nodes; rows: leaf order, internal nodes at the mean of their leaves
        var columns = shown.Select(n => n.Step).Distinct().Order().ToList();
        var leafRow = leaves.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => (double)p.i);
        var row = RolloutForest.BottomUp<double>(nodes, (n, done) => n.IsLeaf ? leafRow[n] : n.Children.Average(e => done[e.To]));

        double X(RolloutNode n) => Margin + columns.IndexOf(n.Step) * ColumnWidth + Thumb / 2.0;
        double Y(RolloutNode n) => Margin + 20 + row[n] * RowHeight + Thumb / 2.0;
        int width = Margin * 2 + columns.Count * ColumnWidth, height = Margin * 2 + 30 + leaves.Count * RowHeight;

        var sb = new StringBuilder();
        sb.Append(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" " +
            $"font-family=\"sans-serif\" font-size=\"10\">");
        sb.Append(inv, $"<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><text x=\"{Margin}\" y=\"18\" " +
            $"font-size=\"13\">{WebUtility.HtmlEncode(title)}</text>");
        // edges: from each shown node to the next shown node down each child chain
        foreach (var from in shown)
        {
            foreach (var first in from.Children)
            {
                var to = first.To;
                int hops = 1;
                while (!Shown(to)) { to = to.Children[0].To; hops++; }
                sb.Append(inv, $"<line x1=\"{X(from) + Thumb / 2.0:F0}\" y1=\"{Y(from):F0}\" x2=\"{X(to) - Thumb / 2.0:F0}\" " +
                    $"y2=\"{Y(to):F0}\" stroke=\"{(first.Stochastic ? "#555" : "#bbb")}\" stroke-width=\"1.2\"/>");
                var label = first.Trained ? first.Advantage.ToString("+0.00;-0.00", inv) : hops > 1 ? $"ODE ×{hops}"
                    : first.Stochastic ? "SDE" : "ODE";
                sb.Append(inv, $"<text x=\"{(X(from) + X(to)) / 2:F0}\" y=\"{(Y(from) + Y(to)) / 2 - 4:F0}\" text-anchor=\"middle\" " +
                    $"fill=\"{(first.Advantage >= 0 ? "#1a7f37" : "#b42318")}\">{WebUtility.HtmlEncode(label)}</text>");
            }
        }
        foreach (var n in shown)
        {
            double x = X(n) - Thumb / 2.0, y = Y(n) - Thumb / 2.0;
            if (n.Prediction is { } img)
            {
                sb.Append(inv,
                    $"<image x=\"{x:F0}\" y=\"{y:F0}\" width=\"{Thumb}\" height=\"{Thumb}\" style=\"image-rendering:pixelated\" " +
                    $"href=\"data:image/png;base64,{Convert.ToBase64String(PngEncoder.Encode(img))}\"/>");
            }
            var stroke = n == best ? "#1a7f37" : "#999";
            sb.Append(inv, $"<rect x=\"{x:F0}\" y=\"{y:F0}\" width=\"{Thumb}\" height=\"{Thumb}\" fill=\"none\" stroke=\"{stroke}\" " +
                $"stroke-width=\"{(n == best ? 3 : 1)}\"/>");
            if (n.IsLeaf && n.Reward is { } r)
            {
                sb.Append(inv,
                    $"<text x=\"{x + Thumb + 4:F0}\" y=\"{Y(n) + 3:F0}\">{r.ToString("0.00", inv)}{(n == best ? " best" : "")}</text>");
            }
        }
        foreach (var step in columns)
        {
            sb.Append(inv, $"<text x=\"{Margin + columns.IndexOf(step) * ColumnWidth + Thumb / 2}\" y=\"{height - 8}\" " +
                $"text-anchor=\"middle\" fill=\"#666\">step {step}</text>");
        }
        return sb.Append("</svg>").ToString();
    }
}
