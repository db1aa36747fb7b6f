using System.Globalization;
using Arbor.Training;
using Spectre.Console;

namespace Arbor.Cli.Output;

/// <summary>
/// The live table `arbor train` redraws on a terminal. Eight short columns, named and formatted as the plain line
/// off a terminal (<see cref="ProgressLines.Iteration"/>) labels its values, so the table fits 80 columns without a
/// truncated header; grad, nfe and the reward's seconds are in that line, the JSON form and metrics.jsonl.
/// </summary>
public static class IterationTable
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static readonly string[] Headers = ["iter", "reward", "strict", "zero-var", "kl", "clip", "s/it", "roll/train"];

    public static Table Create()
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (var h in Headers) table.AddColumn(new TableColumn(h).RightAligned());
        return table;
    }

    /// <summary>One iteration's cells, in <see cref="Headers"/>' order.</summary>
    public static string[] Cells(IterationReport r)
    {
        double seconds = r.Rollout.Seconds + r.RewardSeconds + r.TrainSeconds;
        var strict = r.ComponentMeans.TryGetValue("shapes.strict", out var s) ? string.Create(Inv, $"{s * 100:F0}%") : "";
        return
        [
            $"{r.Iteration + 1}",
            r.RewardMean.ToString("F3", Inv),
            strict,
            string.Create(Inv, $"{r.Advantages.ZeroVarianceShare * 100:F0}%"),
            r.Update.ApproxKl.ToString("0.0e+00", Inv),
            string.Create(Inv, $"{r.Update.ClipFraction * 100:F0}%"),
            seconds.ToString("F1", Inv),
            string.Create(Inv, $"{r.Rollout.Seconds:F1}/{r.TrainSeconds:F1}"),
        ];
    }

    /// <summary>Adds <paramref name="r"/>'s row, keeping the last <paramref name="keep"/> rows.</summary>
    public static void Add(Table table, IterationReport r, int keep = 15)
    {
        table.AddRow(Cells(r));
        while (table.Rows.Count > keep) table.Rows.RemoveAt(0);
    }
}
