using Arbor.Cli.Bench;
using Spectre.Console;

namespace Arbor.Cli.Commands.Bench;

/// <summary>
/// The table of a bench that times Arbor against PyTorch: a measurement a row, each side's median (min–max), and a
/// ratio. Where PyTorch did not run, its column says why in the first row, and nothing below.
/// </summary>
internal sealed class PyTorchComparisonTable(string ratioColumn, string? problem)
{
    public Table Table { get; } = new Table().Border(TableBorder.Rounded)
        .AddColumn("measurement").AddColumn("Arbor: median (min–max)").AddColumn("PyTorch eager").AddColumn(ratioColumn);

    public static string Ratio(double value) => $"{value:F2}x";

    /// <summary>Arbor's median over PyTorch's.</summary>
    public static string ArborOverPyTorch(Sample arbor, Sample pytorch) => Ratio(arbor.Median / pytorch.Median);

    /// <summary>A measurement of both sides in one unit; <paramref name="pytorch"/>
    /// is null where PyTorch did not run, and so is the ratio.</summary>
    public void Add(string label, Sample arbor, Sample? pytorch, string unit, string format, Func<Sample, Sample, string> ratio) =>
        AddRow(label, arbor.Format(unit, format), pytorch?.Format(unit, format), pytorch is null ? "" : ratio(arbor, pytorch));

    /// <summary>A measurement PyTorch has no counterpart of, with its own ratio (to a bound, say).</summary>
    public void AddArborOnly(string label, string arbor, string ratio) => AddRow(label, arbor, null, ratio);

    private void AddRow(string label, string arbor, string? pytorch, string ratio) =>
        Table.AddRow(Markup.Escape(label), arbor, pytorch ?? (Table.Rows.Count == 0 ? Markup.Escape(problem ?? "") : ""), ratio);
}
