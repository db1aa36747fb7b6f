using System.CommandLine;
using Arbor.Reporting;
using Arbor.Runs;
using Spectre.Console;

namespace Arbor.Cli.Commands;

/// <summary>`arbor report --run DIR`: (re)writes a run's self-contained report.html from its metrics and samples.</summary>
public static class ReportCommand
{
    /// <summary>Where `arbor report` writes: a run of `arbor train` or `arbor pretrain`
    /// (either kind), known by the files both write.</summary>
    public static readonly OutputKind Output = OutputKind.Directory("an Arbor run directory", RunDirectory.Marks);

    /// <summary>What every report.html Arbor writes holds (<see cref="RunReport.Write"/>),
    /// by which an earlier one is known from a user's file of that name.</summary>
    private const string ReportHead = "<!doctype html><html><head><meta charset=\"utf-8\"><title>";
    private const string ReportMark = " UTC from metrics.jsonl.</p>";

    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run directory (with metrics.jsonl)", Required = true };
        var title = new Option<string?>("--title") { Description = "Report title (default: the directory name)" };
        var cmd = new Command("report", "Write a run's report.html (charts, per-family accuracy, grids, tree pictures).") { run, title };
        cmd.SetAction(r =>
        {
            var dir = r.GetValue(run)!;
            CheckCanWrite(dir);
            var path = RunReport.Write(dir, r.GetValue(title) ?? Path.GetFileName(Path.GetFullPath(dir)));
            AnsiConsole.MarkupLine($"report: {Markup.Escape(path)}");
            return 0;
        });
        return cmd;
    }

    /// <summary>
    /// <see cref="OutputGuard"/>'s rule for `arbor report`: it writes only into an Arbor run directory (not an empty or
    /// missing one: there is nothing to report), not while another process writes that run, and replaces only a
    /// report.html Arbor wrote. Anything else is refused, named, and left as it is.
    /// </summary>
    public static void CheckCanWrite(string dir)
    {
        if (Output.WhyNot(dir) is { } why)
        {
            throw new OutputPathException($"'{dir}' is not {Output.Name} ({why}): refusing to write {RunReport.FileName} into it. " +
                "Give --run the directory of an `arbor train` or `arbor pretrain` run.");
        }
        OutputGuard.CheckCanWrite(dir, Output);   // a run another process is writing is refused naming that process
        var report = Path.Combine(dir, RunReport.FileName);
        if (Directory.Exists(report))
        {
            throw new OutputPathException($"'{dir}' holds a directory {RunReport.FileName}, not a report: refusing to write there. " +
                "Move it away, or remove it yourself.");
        }
        if (File.Exists(report) && new FileInfo(report).Length > 0 && !IsArborReport(report))
        {
            throw new OutputPathException($"'{dir}' holds a {RunReport.FileName} that is not a report Arbor wrote: refusing to " +
                "overwrite it. Move it away, or remove it yourself.");
        }
    }

    /// <summary>Whether <paramref name="path"/> is a report.html as <see cref="RunReport"/> writes it.</summary>
    private static bool IsArborReport(string path)
    {
        var text = File.ReadAllText(path);
        return text.StartsWith(ReportHead, StringComparison.Ordinal) && text.Contains(ReportMark, StringComparison.Ordinal);
    }
}
