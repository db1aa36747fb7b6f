using System.Diagnostics;
using Arbor.TestKit;

namespace Arbor.Cli.Tests;

/// <summary>The real `arbor` process, given bad input: exit status 1 and one line that names the problem.</summary>
public class CommandErrorTests : IDisposable
{
    readonly TempDirectory _temp = new("arbor-cli-errors-");

    public void Dispose() => _temp.Dispose();

    static (int Exit, string Stderr) RunArbor(params string[] args)
    {
        var cli = Path.Combine(AppContext.BaseDirectory, "arbor.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(cli);
        foreach (var a in args) start.ArgumentList.Add(a);
        start.Environment.Remove(CliErrorReport.TraceVariable);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stderr.Result.TrimEnd());
    }

    [Fact]
    public void AMissingConfigFileIsOneErrorLine()
    {
        var missing = Path.Combine(_temp.Path, "nonexistent.yaml");

        var (exit, stderr) = RunArbor("train", "--config", missing, "--out", Path.Combine(_temp.Path, "run"));

        Assert.Equal(CliErrorReport.ExitCode, exit);
        Assert.Equal($"error: config file '{missing}' not found", stderr);
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "run")));
    }

    [Fact]
    public void AnUnknownConfigKeyIsNamedWithoutATrace()
    {
        var config = Path.Combine(_temp.Path, "bad.yaml");
        File.WriteAllText(config, "strategy: flow_grpo\noptim:\n  lr: 0.1\n");

        var (exit, stderr) = RunArbor("train", "--config", config, "--out", Path.Combine(_temp.Path, "run"));

        Assert.Equal(CliErrorReport.ExitCode, exit);
        Assert.StartsWith("error: ", stderr);
        Assert.Contains("'lr'", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void DemoRefusesToDeleteADirectoryThatIsNotAnArborRun()
    {
        // `arbor demo --out .` from a repository used to delete the repository
        var user = Path.Combine(_temp.Path, "project");
        Directory.CreateDirectory(Path.Combine(user, "src"));
        File.WriteAllText(Path.Combine(user, "README.md"), "mine");

        var (exit, stderr) = RunArbor("demo", "--out", user, "--iterations", "1", "--prompts-per-family", "1");

        Assert.Equal(CliErrorReport.ExitCode, exit);
        Assert.Contains($"'{user}' is not empty and is not an Arbor RL run directory", stderr);
        Assert.Contains("refusing to delete it", stderr);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(user, "README.md")));
        Assert.True(Directory.Exists(Path.Combine(user, "src")));
    }

    [Theory]
    [InlineData("--n", "-1")]
    [InlineData("--n", "0")]
    [InlineData("--steps", "0")]
    public void SampleCountsAreCheckedNamingTheOption(string option, string value)
    {
        // System.CommandLine's own message named only its parameter ("Parameter 'count'"); the checks come before the model loads
        var (exit, stderr) = RunArbor("sample", "--model", Path.Combine(_temp.Path, "no-model"), "--prompt", "a red circle", option, value,
            "--out", Path.Combine(_temp.Path, "s"));

        Assert.Equal(CliErrorReport.ExitCode, exit);
        Assert.Equal($"error: {option} must be >= 1 (got {value})", stderr);
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "s")));
    }

    [Theory]
    [InlineData("sample", "--precision")]
    [InlineData("eval", "--precision")]
    [InlineData("bench", "--eval-precision")]
    public void AnUnknownPrecisionIsOneErrorLineNamingTheOption(string command, string option)
    {
        string[] args = command switch
        {
            "sample" => ["sample", "--prompt", "a red circle", option, "fp16", "--out", Path.Combine(_temp.Path, "s")],
            "eval" => ["eval", option, "fp16", "--out", Path.Combine(_temp.Path, "s")],
            _ => ["bench", "strategies", option, "fp16", "--out", Path.Combine(_temp.Path, "s")],
        };
        var (exit, stderr) = RunArbor(args);

        Assert.Equal(1, exit);
        Assert.Equal($"error: {option} 'fp16' is unknown (expected fp32, bf16 or auto)", stderr);
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "s")));
    }
}
