using System.CommandLine;
using Arbor.Reporting;
using Spectre.Console;

namespace Arbor.Cli.Commands;

/// <summary>`arbor report --run DIR`: (re)writes a run's self-contained report.html from its metrics and samples.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var run = new Option<string>("--run") { Description = "Run directory (with metrics.jsonl)", Required = true };
        var title = new Option<string?>("--title") { Description = "Report title (default: the directory name)" };
        var cmd = new Command("report", "Write a run's report.html (charts, per-family accuracy, grids, tree pictures).") { run, title };
        cmd.SetAction(r =>
        {
            var dir = r.GetValue(run)!;
            if (!File.Exists(Path.Combine(dir, "metrics.jsonl")))
                throw new FileNotFoundException($"'{dir}' has no metrics.jsonl: not a run directory");
            var path = RunReport.Write(dir, r.GetValue(title) ?? Path.GetFileName(Path.GetFullPath(dir)));
            AnsiConsole.MarkupLine($"report: {Markup.Escape(path)}");
            return 0;
        });
        return cmd;
    }
}
