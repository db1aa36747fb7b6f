using System.Text.Json;
using Arbor.Cli.Bench;
using Arbor.Runs;
using Arbor.TestKit;

namespace Arbor.Cli.Tests;

/// <summary>
/// Every command that writes where the user says, as the real `arbor` process, given a directory (or file) holding a
/// user's work: it fails at once (before any model loads) with exit status 1 and one line naming the path and the
/// problem, and every file there is left as it was. An earlier output of the same command is still written into.
/// </summary>
public class OutputGuardCommandTests : IDisposable
{
    readonly TempDirectory _temp = new("arbor-cli-output-guard-");

    public void Dispose() => _temp.Dispose();

    /// <summary>A directory of a user's work: a file and a folder with a file in it.</summary>
    string UserDirectory(string name = "project")
    {
        var dir = Path.Combine(_temp.Path, name);
        Directory.CreateDirectory(Path.Combine(dir, "src"));
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "mine");
        File.WriteAllText(Path.Combine(dir, "src", "main.c"), "int main() {}");
        return dir;
    }

    /// <summary>Every file under <paramref name="dir"/> with its text: what must not change.</summary>
    static Dictionary<string, string> Contents(string dir) =>
        Directory.GetFiles(dir, "*", SearchOption.AllDirectories).ToDictionary(f => Path.GetRelativePath(dir, f), File.ReadAllText);

    /// <summary>Runs `arbor ARGS`, which must be refused: exit 1, one error line, <paramref name="path"/> exactly as it was.</summary>
    static string Refused(string path, params string[] args)
    {
        var before = Directory.Exists(path) ? Contents(path) : new() { [""] = File.ReadAllText(path) };
        var (code, _, err) = ArborProcess.Run(ArborProcess.ArborCommand(args), timeoutSeconds: 120);
        var stderr = err.TrimEnd();
        Assert.Equal(CliErrorReport.ExitCode, code);
        Assert.StartsWith($"error: '{path}' ", stderr);
        Assert.DoesNotContain("\n", stderr);   // one line, no trace
        Assert.Equal(before, Directory.Exists(path) ? Contents(path) : new() { [""] = File.ReadAllText(path) });
        return stderr;
    }

    const string NotEmpty = "is not empty and is not ";
    const string Advice = "Choose another --out, or empty it yourself.";

    [Fact]
    public void SampleRefusesAUsersDirectoryBeforeLoadingTheModel()
    {
        // the model does not exist: the refusal must come first
        var user = UserDirectory();
        var err = Refused(user, "sample", "--model", Path.Combine(_temp.Path, "no-model"), "--prompt", "a red circle", "--out", user);
        Assert.EndsWith($"{NotEmpty}an `arbor sample` output (it has no manifest.json): refusing to write into it. {Advice}", err);
    }

    [Fact]
    public void SampleWritesIntoItsOwnEarlierOutputAgain()
    {
        var model = TinyRun.SaveModel(_temp.Path);
        var outDir = Path.Combine(_temp.Path, "samples");
        string[] args = ["sample", "--model", model, "--prompt", "a red circle", "--n", "1", "--steps", "1", "--out", outDir];
        Assert.Equal(0, ArborProcess.Run(ArborProcess.ArborCommand(args)).Code);
        var (code, _, err) = ArborProcess.Run(ArborProcess.ArborCommand(args));
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(outDir, "manifest.json")));
    }

    [Fact]
    public void EvalRefusesAUsersDirectoryBeforeLoadingTheModel()
    {
        var user = UserDirectory();
        var err = Refused(user, "eval", "--model", Path.Combine(_temp.Path, "no-model"), "--out", user);
        Assert.EndsWith($"{NotEmpty}an `arbor eval` output (it has no accuracy.json): refusing to write into it. {Advice}", err);
    }

    [Fact]
    public void EvalWritesIntoItsOwnEarlierOutputAgain()
    {
        var model = TinyRun.SaveModel(_temp.Path);
        var outDir = Path.Combine(_temp.Path, "eval");
        string[] args = ["eval", "--model", model, "--per-family", "1", "--steps", "1", "--sets", "compositional", "--out", outDir];
        Assert.Equal(0, ArborProcess.Run(ArborProcess.ArborCommand(args)).Code);
        var (code, _, err) = ArborProcess.Run(ArborProcess.ArborCommand(args));
        Assert.True(code == 0, err);
        Assert.True(File.Exists(Path.Combine(outDir, "accuracy.json")));
    }

    [Fact]
    public void TreeRefusesAUsersDirectoryBeforeLoadingTheModel()
    {
        var user = UserDirectory();
        var err = Refused(user, "tree", "--config", Path.Combine(_temp.Path, "no-config.yaml"), "--prompt", "a red circle", "--out", user);
        Assert.EndsWith($"{NotEmpty}an `arbor tree` output (it has no tree.svg): refusing to write into it. {Advice}", err);
    }

    [Fact]
    public void BenchStrategiesRefusesAUsersDirectoryBeforeAnyRun()
    {
        var user = UserDirectory();
        // a run subdirectory's name among the user's files: it must not be replaced either
        Directory.CreateDirectory(Path.Combine(user, "flow-grpo-seed0"));
        File.WriteAllText(Path.Combine(user, "flow-grpo-seed0", "data.csv"), "1,2");
        var err = Refused(user, "bench", "strategies", "--configs", "configs/flow-grpo.yaml", "--iterations", "1", "--model",
            Path.Combine(_temp.Path, "no-model"), "--out", user);
        Assert.EndsWith($"{NotEmpty}an `arbor bench strategies` output (it has no results.json): refusing to write into it. {Advice}", err);
    }

    [Fact]
    public void BenchStrategiesReusesItsOwnEarlierOutputAndMarksANewOneAtOnce()
    {
        // an earlier comparison: its results, summary and runs stay until the new runs replace them one by one
        var earlier = Path.Combine(_temp.Path, "strategies");
        Directory.CreateDirectory(Path.Combine(earlier, "flow-grpo-seed0"));
        File.WriteAllText(Path.Combine(earlier, StrategyComparison.ResultsFile), "[{\"Config\": \"flow-grpo.yaml\"}]");
        File.WriteAllText(Path.Combine(earlier, "summary.md"), "# earlier");
        StrategyComparison.PrepareOutput(earlier);
        Assert.Equal("[{\"Config\": \"flow-grpo.yaml\"}]", File.ReadAllText(Path.Combine(earlier, StrategyComparison.ResultsFile)));
        Assert.Equal("# earlier", File.ReadAllText(Path.Combine(earlier, "summary.md")));

        // a new one is a comparison's from the start: stopped in its first run, it can be run again
        var fresh = Path.Combine(_temp.Path, "fresh");
        StrategyComparison.PrepareOutput(fresh);
        Assert.Equal("[]", File.ReadAllText(Path.Combine(fresh, StrategyComparison.ResultsFile)));
        Assert.True(StrategyComparison.Output.Recognises(fresh));
    }

    [Fact]
    public void BenchStrategiesRunsAgainIntoItsOwnOutputAndQuietPrintsOnlyTheSummary()
    {
        // the real command twice into one directory: the second replaces the first's run and rewrites its results
        var config = TinyRun.WriteTrainConfig(_temp.Path, 1);   // saves the tiny model in base/ there
        var outDir = Path.Combine(_temp.Path, "strategies");
        string[] args = ["bench", "strategies", "--configs", config, "--model", Path.Combine(_temp.Path, "base"), "--iterations", "1",
            "--prompts-per-family", "1", "--out", outDir];
        var (code, first, err) = ArborProcess.Run(ArborProcess.ArborCommand(args));
        Assert.True(code == 0, err);
        Assert.Contains("seed 0: 1 iterations from", first);
        File.WriteAllText(Path.Combine(outDir, "notes.txt"), "mine");   // a user's note beside the results is kept

        // --eval-precision sets every run's evaluations (the base's included), and --precision its rollouts and training,
        // whatever the config says
        (code, var quiet, err) = ArborProcess.Run(ArborProcess.ArborCommand(
            [.. args, "--quiet", "--eval-precision", "bf16", "--precision", "bf16"]));
        Assert.True(code == 0, err);
        var ran = Arbor.Configuration.ConfigLoader.Load<Arbor.Training.GrpoTrainConfig>(Path.Combine(outDir, "run-seed0", "config.yaml"));
        Assert.Equal((Arbor.Tensors.Precision.Bf16, Arbor.Tensors.Precision.Bf16), (ran.Eval.Precision, ran.Train.Precision));
        Assert.Contains("evaluated in bf16, trained in bf16", File.ReadAllText(Path.Combine(outDir, "summary.md")));

        // --log-format json: every stdout line an object, each finished run, then where the summary is
        (code, var json, err) = ArborProcess.Run(ArborProcess.ArborCommand([.. args, "--log-format", "json"]));
        Assert.True(code == 0, err);
        var lines = json.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["run", "summary"], lines.Select(l => l.GetProperty("kind").GetString()));
        Assert.Equal(1, lines[0].GetProperty("result").GetProperty("Iterations").GetInt32());
        Assert.Equal(Path.Combine(outDir, "summary.md"), lines[1].GetProperty("summary").GetString());
        Assert.DoesNotContain("seed 0:", quiet);                      // no per-run lines
        Assert.Contains($"summary: {Path.Combine(outDir, "summary.md")}", quiet);
        Assert.Single(JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, StrategyComparison.ResultsFile)))
            .RootElement.EnumerateArray());
        Assert.True(RunDirectory.Rl.Recognises(Path.Combine(outDir, "run-seed0")));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(outDir, "notes.txt")));

        // `bench table` over that output writes the same run into its own, summarized under its own name
        var tableDir = Path.Combine(_temp.Path, "table");
        (code, var tabled, err) = ArborProcess.Run(ArborProcess.ArborCommand(
            ["bench", "table", outDir, "--iterations", "1", "--prompts-per-family", "1", "--out", tableDir]));
        Assert.True(code == 0, err);
        Assert.Contains("1 runs of 1 configs", tabled);
        Assert.StartsWith("`arbor bench table` over 1 results (1 iterations per run, seeds 0, 1 prompts per family",
            File.ReadAllText(Path.Combine(tableDir, "summary.md")));
        Assert.Equal(File.ReadAllText(Path.Combine(outDir, StrategyComparison.ResultsFile)),
            File.ReadAllText(Path.Combine(tableDir, StrategyComparison.ResultsFile)));

        // without --model each config starts from its own `model:` (here the tiny base; the shipped base otherwise)
        (code, _, err) = ArborProcess.Run(ArborProcess.ArborCommand(
            ["bench", "strategies", "--configs", config, "--iterations", "1", "--prompts-per-family", "1", "--out", outDir, "--quiet"]));
        Assert.True(code == 0, err);
        ran = Arbor.Configuration.ConfigLoader.Load<Arbor.Training.GrpoTrainConfig>(Path.Combine(outDir, "run-seed0", "config.yaml"));
        Assert.Equal(Path.Combine(_temp.Path, "base"), ran.Model);
    }

    [Fact]
    public void PretrainRefusesAUsersDirectoryWhateverTheFlagsAndDeletesNothing()
    {
        var config = Path.Combine(_temp.Path, "pretrain.yaml");
        File.WriteAllText(config, "seed: 0\n");
        var user = UserDirectory();
        foreach (var flag in new[] { "--resume", "--overwrite" })
        {
            var err = Refused(user, "pretrain", "--config", config, "--out", user, flag);
            Assert.Contains($"{NotEmpty}an Arbor pretraining run directory (it has no config.yaml and no metrics.jsonl): refusing to", err);
        }
        Refused(user, "pretrain", "--config", config, "--out", user);
    }

    [Fact]
    public void PretrainNeitherContinuesNorDeletesAnRlRun()
    {
        var config = Path.Combine(_temp.Path, "pretrain.yaml");
        File.WriteAllText(config, "seed: 0\n");
        var rl = Path.Combine(_temp.Path, "rl-run");
        Directory.CreateDirectory(Path.Combine(rl, "checkpoint"));
        File.WriteAllText(Path.Combine(rl, "config.yaml"), "seed: 0\nstrategy: dynamic_tree\n");
        File.WriteAllText(Path.Combine(rl, "metrics.jsonl"), "{}\n");
        File.WriteAllText(Path.Combine(rl, "checkpoint", "state.json"), "{}");

        var resumed = Refused(rl, "pretrain", "--config", config, "--out", rl, "--resume");
        Assert.EndsWith("holds an Arbor run, but not an Arbor pretraining run directory (its config.yaml does not set `data`): refusing " +
            "to continue it. Choose another --out.", resumed);
        Assert.EndsWith("refusing to delete it. Choose another --out.",
            Refused(rl, "pretrain", "--config", config, "--out", rl, "--overwrite"));
        Assert.Contains("already holds a run", Refused(rl, "train", "--config", TinyRun.WriteTrainConfig(_temp.Path, 1), "--out", rl));
    }

    [Fact]
    public void TrainResumeRefusesAUsersDirectory()
    {
        var user = UserDirectory();
        var err = Refused(user, "train", "--config", TinyRun.WriteTrainConfig(_temp.Path, 1), "--out", user, "--resume");
        Assert.Contains($"{NotEmpty}an Arbor RL run directory (it has no config.yaml and no metrics.jsonl): refusing to " +
            $"continue it. {Advice}", err);
    }

    /// <summary>An RL run as `arbor train` leaves it, as far as `arbor report` reads it: its config and (empty) metrics.</summary>
    string RlRun(string name = "run")
    {
        var run = Path.Combine(_temp.Path, name);
        Directory.CreateDirectory(run);
        File.WriteAllText(Path.Combine(run, "config.yaml"), "seed: 0\nstrategy: flow_grpo\n");
        File.WriteAllText(Path.Combine(run, "metrics.jsonl"), "");
        return run;
    }

    const string ReportAdvice = "Give --run the directory of an `arbor train` or `arbor pretrain` run.";

    [Fact]
    public void ReportRefusesToWriteIntoAUsersDirectoryOrAMissingOne()
    {
        var user = UserDirectory();
        Assert.EndsWith("is not an Arbor run directory (it has no config.yaml and no metrics.jsonl): refusing to write report.html " +
            $"into it. {ReportAdvice}", Refused(user, "report", "--run", user));
        // a user's metrics.jsonl alone does not make a run
        File.WriteAllText(Path.Combine(user, "metrics.jsonl"), "{}");
        Assert.Contains("(it has no config.yaml)", Refused(user, "report", "--run", user));

        var missing = Path.Combine(_temp.Path, "missing");
        var (code, _, err) = ArborProcess.Run(ArborProcess.ArborCommand("report", "--run", missing));
        Assert.Equal(CliErrorReport.ExitCode, code);
        Assert.Equal($"error: '{missing}' is not an Arbor run directory (it does not exist): refusing to write report.html into it. " +
            ReportAdvice, err.TrimEnd());
        Assert.False(Directory.Exists(missing));
    }

    [Fact]
    public void ReportRefusesToOverwriteAReportHtmlItDidNotWrite()
    {
        var run = RlRun();
        File.WriteAllText(Path.Combine(run, "report.html"), "<html>my notes</html>");
        Assert.EndsWith("holds a report.html that is not a report Arbor wrote: refusing to overwrite it. Move it away, or remove it " +
            "yourself.", Refused(run, "report", "--run", run));
    }

    [Fact]
    public void ReportRewritesItsOwnReport()
    {
        var run = RlRun();
        File.WriteAllText(Path.Combine(run, "report.html"), "");   // an empty file holds nothing to lose
        string[] args = ["report", "--run", run, "--title", "mine"];
        for (int i = 0; i < 2; i++)
        {
            var (code, stdout, err) = ArborProcess.Run(ArborProcess.ArborCommand(args));
            Assert.True(code == 0, err);
            Assert.Contains($"report: {Path.Combine(run, "report.html")}", stdout);
        }
        Assert.Contains("<title>mine</title>", File.ReadAllText(Path.Combine(run, "report.html")));
    }

    [Fact]
    public void BenchCheckpointRefusesAnExistingDirectoryBeforeLoadingTheModel()
    {
        // the benchmark deletes its --dir afterwards: an existing one, a user's, must be neither written nor deleted
        var user = UserDirectory();
        var err = Refused(user, "bench", "checkpoint", "--model", Path.Combine(_temp.Path, "no-model"), "--reps", "1", "--dir", user);
        Assert.EndsWith("exists: refusing to use it as --dir, which the benchmark creates and deletes. Give a path that does not exist.",
            err);
    }

    [Fact]
    public void BenchRlThroughputRefusesAUsersDirectoryBeforeAnyRun()
    {
        var user = UserDirectory();
        var err = Refused(user, "bench", "rl-throughput", "--configs", "configs/flow-grpo.yaml", "--model",
            Path.Combine(_temp.Path, "no-model"), "--out", user);
        Assert.EndsWith($"{NotEmpty}an `arbor bench rl-throughput` output (it has no throughput.json): refusing to write into it. {Advice}",
            err);
    }

    [Theory]
    [InlineData("binding", "--python none --reps 1")]
    [InlineData("model", "--python none --quick")]
    [InlineData("reward-spread", "--model no-model")]
    public void BenchResultFilesRefuseToOverwriteAUsersFile(string bench, string options)
    {
        // the refusal comes before minutes of measurement, not when the result is written at the end
        var file = Path.Combine(_temp.Path, "results.json");
        File.WriteAllText(file, "{\"my\": \"data\"}");
        var err = Refused(file, ["bench", bench, .. options.Split(' '), "--out", file]);
        var keys = bench == "reward-spread"
            ? "windows, noise_level"
            : $"settings, arbor.{(bench == "binding" ? "tiny_add_us" : "train_images_per_s")}";
        Assert.EndsWith($"exists and is not an `arbor bench {bench}` output (it is not a JSON object with {keys}): " +
            "refusing to overwrite it. Choose another --out, or remove it yourself.", err);
    }
}
