using Arbor.Advantages;
using Arbor.Cli.Output;
using Arbor.Rollouts;
using Arbor.Training;
using Spectre.Console;

namespace Arbor.Cli.Tests;

/// <summary>The live table `arbor train` shows on a terminal: at 80 columns every header and value reads in full.</summary>
public class IterationTableTests
{
    private static IterationReport Report(long iteration, double reward, double strict, double kl, double rollout,
        double rewardSeconds, double train) =>
        new(iteration, reward, 0.2, new Dictionary<string, double> { ["shapes.strict"] = strict },
            new AdvantageResult([0.0], [true], 6, 1), new PolicyUpdateStats(0.1, kl, 0.02, 1, 0, 0.07213, 0, 10, 20, 0),
            new RolloutStats(1920, 900, 48, 400, rollout), rewardSeconds, train, [0.5]);

    [Fact]
    public void TheCellsAreThePlainLinesValues()
    {
        var r = Report(11, 0.6312, 0.4, 3e-9, 3.31, 0.07, 6.08);
        Assert.Equal(["12", "0.631", "40%", "17%", "3.0e-09", "2%", "9.5", "3.3/6.1"], IterationTable.Cells(r));
        Assert.Equal("iter 12/100  reward 0.631  strict 40%  zero-var 17%  kl 3.0e-09  clip 2%  grad 0.0721  nfe 1920  " +
            "s/it 9.5 (roll 3.3 / reward 0.1 / train 6.1)", ProgressLines.Iteration(r, 100));
    }

    [Fact]
    public void AtEightyColumnsNothingIsTruncatedEvenWithWideValues()
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 80;
        var table = IterationTable.Create();
        IterationTable.Add(table, Report(9998, -0.1234, 1.0, -1.2e-3, 145.2, 10.3, 267.1));
        IterationTable.Add(table, Report(9999, 0.6312, 0.4, 3e-9, 3.31, 0.07, 6.08));
        console.Write(table);
        var lines = writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

        Assert.DoesNotContain("…", writer.ToString());
        Assert.All(lines, l => Assert.True(l.Length <= 80, $"{l.Length} columns: {l}"));
        var header = lines[1].Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(IterationTable.Headers, header);
        var wide = lines[3].Split('│', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["9999", "-0.123", "100%", "17%", "-1.2e-03", "2%", "422.6", "145.2/267.1"], wide);
    }
}
