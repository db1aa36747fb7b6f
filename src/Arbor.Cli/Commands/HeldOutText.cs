using Arbor.Evaluation;
using Spectre.Console;

namespace Arbor.Cli.Commands;

/// <summary>
/// How every command prints held-out numbers: each with its set, its size and its uncertainty, and every before/after
/// comparison paired, with its interval and p-value (issue #14).
/// </summary>
public static class HeldOutText
{
    /// <summary>One line per set:
    /// "  in_distribution (n = 384): strict 45.1 % ± 2.5, partial 63.0 % — single_object 94 % ± 3, ...".</summary>
    public static void PrintEvaluation(EvaluationReport report, string label)
    {
        AnsiConsole.MarkupLine($"{Markup.Escape(label)} ({report.Seconds:F0} s):");
        foreach (var set in report.Sets)
        {
            AnsiConsole.MarkupLine($"  [bold]{Markup.Escape(set.Summary())}[/]");
            AnsiConsole.MarkupLine($"    {Markup.Escape(set.FamilyLine())}");
            if (set.Note() is { } note) AnsiConsole.MarkupLine($"    [grey]{Markup.Escape(note)}[/]");
        }
    }

    /// <summary>The paired table of every set evaluated in both reports, then a one-line summary per set.</summary>
    public static IReadOnlyList<SetComparison> PrintPaired(EvaluationReport before, EvaluationReport after, string what)
    {
        var comparisons = HeldOutComparison.Between(before, after);
        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(what)}[/]: change of strict accuracy, 95 % interval, exact McNemar p " +
            $"over the paired prompts");
        foreach (var c in comparisons) AnsiConsole.WriteLine(c.Table());
        foreach (var c in comparisons) AnsiConsole.MarkupLine($"[bold]{Markup.Escape(c.Summary())}[/]");
        return comparisons;
    }
}
