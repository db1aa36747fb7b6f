using Spectre.Console;

namespace Arbor.Cli.Output;

/// <summary>
/// Spectre.Console decides on ANSI styling from TERM, so a terminal user's `arbor train > log` or `| tee` wrote bold
/// and colour escapes into the file. When stdout is not a terminal, or NO_COLOR is set (no-color.org), the console
/// is recreated without ANSI and without colour, and wide: the log reads as plain text in any viewer.
/// </summary>
public static class PlainWhenRedirected
{
    /// <summary>Whether output should be plain: redirected stdout, or a non-empty NO_COLOR.</summary>
    public static bool Applies(bool outputRedirected, string? noColor) => outputRedirected || !string.IsNullOrEmpty(noColor);

    /// <summary>Replaces <see cref="AnsiConsole.Console"/> with a plain one where <see cref="Applies"/> says so.</summary>
    public static void Install()
    {
        if (!Applies(Console.IsOutputRedirected, Environment.GetEnvironmentVariable("NO_COLOR"))) return;
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(Console.Out),
        });
        // a file has no width; Spectre's default of 80 columns folded bench tables into one word per line
        AnsiConsole.Console.Profile.Width = RedirectedWidth;
    }

    /// <summary>Columns a table may take in redirected output: wide rows stay one line each in a log.</summary>
    public const int RedirectedWidth = 240;
}
