using System.Text.Json;
using Arbor.TestKit;

namespace Arbor.Cli.Tests;

/// <summary>
/// `train`, `pretrain` and `demo` as the real process with stdout redirected (a log file, CI, a pipe) on the tiny model,
/// a colour terminal declared: plain lines without escapes, `--log-format json` only JSON objects (one per line),
/// `--quiet` nothing per iteration, only the final result.
/// </summary>
public class ProgressModeProcessTests : IDisposable
{
    readonly TempDirectory _temp = new("arbor-cli-progress-");

    public void Dispose() => _temp.Dispose();

    /// <summary>Runs `arbor ARGS` (in <paramref name="workingDirectory"/> if given), which must succeed; returns its stdout.</summary>
    static string Stdout(string? workingDirectory, params string[] args)
    {
        var start = ArborProcess.ArborCommand(args);
        start.Environment["TERM"] = "xterm-256color";   // as in a CI log: the terminal says colour, stdout is a pipe
        start.Environment.Remove("NO_COLOR");
        if (workingDirectory is not null) start.WorkingDirectory = workingDirectory;
        var (code, stdout, stderr) = ArborProcess.Run(start);
        Assert.True(code == 0, stderr);
        return stdout;
    }

    static string[] Lines(string stdout) => stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Every line a JSON object (a parse failure fails the test); returns their kinds in order.</summary>
    static List<string> JsonKinds(string stdout)
    {
        var lines = Lines(stdout);
        Assert.NotEmpty(lines);
        return
        [
            .. lines.Select(l =>
            {
                var e = JsonDocument.Parse(l).RootElement;
                Assert.Equal(JsonValueKind.Object, e.ValueKind);
                return e.GetProperty("kind").GetString()!;
            }),
        ];
    }

    static void Plain(string stdout)
    {
        Assert.DoesNotContain('\u001b', stdout);
        Assert.DoesNotContain('\r', stdout);
    }

    [Fact]
    public void TrainLogFormatJsonPrintsOnlyJsonObjectsOnePerLine()
    {
        var config = TinyRun.WriteTrainConfig(_temp.Path, iterations: 2);
        var kinds = JsonKinds(Stdout(null, "train", "--config", config, "--out", Path.Combine(_temp.Path, "run"), "--log-format", "json"));
        Assert.Equal(2, kinds.Count(k => k == "train"));
        Assert.Equal(2, kinds.Count(k => k == "eval"));   // the evaluations before and after
    }

    [Fact]
    public void TrainQuietPrintsNoPerIterationLines()
    {
        var config = TinyRun.WriteTrainConfig(_temp.Path, iterations: 2);
        var stdout = Stdout(null, "train", "--config", config, "--out", Path.Combine(_temp.Path, "run"), "--quiet");
        Plain(stdout);
        Assert.DoesNotContain(Lines(stdout), l => l.StartsWith("iter ") || l.StartsWith("arbor train") || l.StartsWith('{'));
        Assert.Contains("held-out, iteration 0 → 2", stdout);   // the final result: the paired comparison
    }

    /// <summary>A one-block DiT pretrained on the Shapes world for <paramref name="steps"/> steps, one line per step.</summary>
    string PretrainConfig(int steps)
    {
        var path = Path.Combine(_temp.Path, "pretrain.yaml");
        File.WriteAllText(path, $"""
            seed: 0
            model: {"{"} image_size: 32, patch_size: 8, dim: 32, depth: 1, heads: 2, mlp_ratio: 2,
              text: {"{"} max_tokens: 16, dim: 16, depth: 1, heads: 2 {"}"} {"}"}
            data: {"{"} world: shapes {"}"}
            train: {"{"} steps: {steps}, batch_size: 4, learning_rate: 1.0e-3, warmup_steps: 1 {"}"}
            eval: {"{"} every: 0, prompts_per_family: 1, steps: 2 {"}"}
            checkpoint_every: 100
            log_every: 1
            """);
        return path;
    }

    [Fact]
    public void PretrainWithStdoutRedirectedPrintsOnePlainLinePerStep()
    {
        var stdout = Stdout(null, "pretrain", "--config", PretrainConfig(3), "--out", Path.Combine(_temp.Path, "run"));
        Plain(stdout);
        var steps = Lines(stdout).Where(l => l.StartsWith("step ")).ToArray();
        Assert.Equal(3, steps.Length);
        for (int i = 0; i < 3; i++) Assert.StartsWith($"step {i + 1}/3  loss ", steps[i]);
        Assert.Contains($"model: {Path.Combine(_temp.Path, "run", "model")}", stdout);
    }

    [Fact]
    public void PretrainLogFormatJsonPrintsOnlyJsonObjectsOnePerLine()
    {
        var kinds = JsonKinds(Stdout(null, "pretrain", "--config", PretrainConfig(3), "--out", Path.Combine(_temp.Path, "run"),
            "--log-format", "json"));
        Assert.Equal(["step", "step", "step"], kinds.Where(k => k == "step"));
        Assert.Contains("eval", kinds);
    }

    /// <summary>
    /// A directory that `arbor demo` takes for a repository (it finds configs/demo.yaml and models/shapes-base from its
    /// working directory first): the tiny model and the tiny RL config, so a whole demo takes seconds.
    /// </summary>
    string TinyDemoRepository()
    {
        var repo = Path.Combine(_temp.Path, "repo");
        var model = TinyRun.SaveModel(Path.Combine(repo, "models"), "shapes-base");
        Directory.CreateDirectory(Path.Combine(repo, "configs"));
        File.WriteAllText(Path.Combine(repo, "configs", "demo.yaml"), TinyRun.TrainConfigText(model, iterations: 2));
        return repo;
    }

    static string[] Demo(params string[] more) =>
        ["demo", "--minutes", "0", "--iterations", "2", "--prompts-per-family", "1", "--out", "runs/demo", .. more];

    [Fact]
    public void DemoWithStdoutRedirectedPrintsPlainLinesAndQuietOnlyTheFinalResult()
    {
        var repo = TinyDemoRepository();
        var lines = Stdout(repo, Demo());
        Plain(lines);
        Assert.Contains("Arbor demo", lines);   // the header
        Assert.Equal(2, Lines(lines).Count(l => l.StartsWith("iter ")));

        // --quiet, into its own earlier run (replaced): the result alone, as `train --quiet` prints it
        var quiet = Stdout(repo, Demo("--quiet"));
        Plain(quiet);
        Assert.DoesNotContain("Arbor demo", quiet);
        Assert.DoesNotContain(Lines(quiet), l => l.StartsWith("iter ") || l.StartsWith("held-out @"));
        Assert.StartsWith("held-out, the base → after 2 iterations", quiet);   // no header, no rule above it
        Assert.Contains($"report: {Path.Combine(repo, "runs", "demo", "report.html")}", quiet);
    }

    [Fact]
    public void DemoLogFormatJsonPrintsOnlyJsonObjectsOnePerLine()
    {
        var kinds = JsonKinds(Stdout(TinyDemoRepository(), Demo("--log-format", "json")));
        Assert.Equal(["eval", "train", "train", "eval", "result"], kinds);
    }
}
