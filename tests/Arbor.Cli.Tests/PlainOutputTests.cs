using System.Diagnostics;
using Arbor.Cli.Output;
using Arbor.TestKit;

namespace Arbor.Cli.Tests;

public class PlainOutputTests
{
    [Theory]
    [InlineData(true, null, true)]
    [InlineData(false, null, false)]
    [InlineData(false, "", false)]
    [InlineData(false, "1", true)]
    public void OutputIsPlainWhenRedirectedOrNoColorIsSet(bool redirected, string? noColor, bool plain) =>
        Assert.Equal(plain, PlainWhenRedirected.Applies(redirected, noColor));

    [Fact]
    public async Task RedirectedOutputHasNoEscapeCodesEvenWithAColourTerminalDeclared()
    {
        // the case that wrote bold escapes into log files: TERM says colour, stdout is a file
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "arbor.dll"));
        start.ArgumentList.Add("doctor");
        start.Environment["TERM"] = "xterm-256color";
        start.Environment.Remove("NO_COLOR");
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        string stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, await stderr);
        Assert.Contains("Training", stdout);
        Assert.DoesNotContain('\u001b', stdout);
    }

    [Fact]
    public void ATrainRunWithStdoutRedirectedPrintsOnePlainLinePerIteration()
    {
        using var temp = new TempDirectory("arbor-plain-");
        var config = TinyRun.WriteTrainConfig(temp.Path, iterations: 3);
        var start = ArborProcess.ArborCommand("train", "--config", config, "--out", Path.Combine(temp.Path, "run"));
        start.Environment["TERM"] = "xterm-256color";   // a colour terminal declared, as in a CI log
        start.Environment.Remove("NO_COLOR");
        var (code, stdout, stderr) = ArborProcess.Run(start);
        Assert.True(code == 0, stderr);
        var lines = stdout.Split('\n');
        var iterations = lines.Where(l => l.StartsWith("iter ")).ToArray();
        Assert.Equal(3, iterations.Length);
        for (int i = 0; i < 3; i++) Assert.StartsWith($"iter {i + 1}/3  reward ", iterations[i]);
        Assert.DoesNotContain('\u001b', stdout);
        Assert.DoesNotContain('\r', stdout);
    }
}
