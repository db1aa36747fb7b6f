using Arbor.Runs;
using Arbor.TestKit;

namespace Arbor.Tests.Runs;

/// <summary>
/// The one rule of every --out: write only into nothing, an empty path, or an earlier output of the same command; delete
/// only an earlier output of the same command; refuse anything else naming the path, and leave it as it was.
/// </summary>
public sealed class OutputGuardTests : IDisposable
{
    private readonly TempDirectory _temp = new("arbor-output-guard-");
    private static readonly OutputKind Samples = OutputKind.Directory("an `arbor sample` output", ["manifest.json"]);
    private static readonly OutputKind Timings = OutputKind.JsonFile("an `arbor bench binding` output", ["settings", "arbor.tiny_add_us"]);

    public void Dispose() => _temp.Dispose();

    private string UserDirectory(string name)
    {
        var dir = Path.Combine(_temp.Path, name);
        Directory.CreateDirectory(Path.Combine(dir, "src"));
        File.WriteAllText(Path.Combine(dir, "notes.txt"), "mine");
        return dir;
    }

    private string Run(string name, string configYaml)
    {
        var dir = Path.Combine(_temp.Path, name);
        Directory.CreateDirectory(Path.Combine(dir, "checkpoint"));
        File.WriteAllText(Path.Combine(dir, "config.yaml"), configYaml);
        File.WriteAllText(Path.Combine(dir, "metrics.jsonl"), "{}\n");
        return dir;
    }

    [Fact]
    public void ACommandWritesIntoNothingAnEmptyDirectoryOrItsOwnEarlierOutputOnly()
    {
        OutputGuard.CheckCanWrite(Path.Combine(_temp.Path, "new"), Samples);
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "new")));      // the check creates nothing
        Directory.CreateDirectory(Path.Combine(_temp.Path, "empty"));
        OutputGuard.CheckCanWrite(Path.Combine(_temp.Path, "empty"), Samples);

        var earlier = Path.Combine(_temp.Path, "earlier");
        Directory.CreateDirectory(earlier);
        File.WriteAllText(Path.Combine(earlier, "manifest.json"), "[]");
        File.WriteAllText(Path.Combine(earlier, "000-00.png"), "png");
        OutputGuard.CheckCanWrite(earlier, Samples);

        var user = UserDirectory("project");
        var e = Assert.Throws<OutputPathException>(() => OutputGuard.CheckCanWrite(user, Samples));
        Assert.Equal($"'{user}' is not empty and is not an `arbor sample` output (it has no manifest.json): refusing to write into it. " +
            "Choose another --out, or empty it yourself.", e.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(user, "notes.txt")));

        var file = Path.Combine(_temp.Path, "a-file");
        File.WriteAllText(file, "x");
        Assert.Contains($"'{file}' is a file, not a directory",
            Assert.Throws<OutputPathException>(() => OutputGuard.CheckCanWrite(file, Samples)).Message);
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void ReplacingDeletesOnlyAnEarlierOutputOfTheSameKind()
    {
        var rl = Run("rl", "strategy: flow_grpo\n");
        var pretraining = Run("pretraining", "seed: 0\ndata:\n  world: shapes\n");

        // `arbor demo --out runs/pretrain`: an Arbor run, but a pretraining run is not the demo's to delete
        var e = Assert.Throws<OutputPathException>(() => OutputGuard.ReplacePrevious(pretraining, RunDirectory.Rl));
        Assert.Contains($"'{pretraining}' is not empty and is not an Arbor RL run directory (its config.yaml does not set `strategy`): " +
            $"refusing to delete it", e.Message);
        Assert.True(File.Exists(Path.Combine(pretraining, "metrics.jsonl")));

        OutputGuard.ReplacePrevious(rl, RunDirectory.Rl);
        Assert.False(Directory.Exists(rl));
        OutputGuard.ReplacePrevious(pretraining, RunDirectory.Pretraining);
        Assert.False(Directory.Exists(pretraining));
    }

    [Fact]
    public void AResumeContinuesOnlyARunOfItsOwnKindAndNeverWritesIntoAnythingElse()
    {
        // `pretrain --resume` used to accept any directory: a user's was then written into (config.yaml, checkpoint/, model/)
        var user = UserDirectory("home");
        foreach (var (resume, overwrite) in new[] { (false, false), (true, false), (false, true) })
        {
            var e = Assert.Throws<OutputPathException>(() => RunDirectory.PrepareForRun(user, RunDirectory.Pretraining, resume, overwrite));
            Assert.StartsWith($"'{user}' is not empty and is not an Arbor pretraining run directory (it has no config.yaml and no " +
                $"metrics.jsonl): refusing to", e.Message);
        }
        Assert.Equal(["notes.txt"], Directory.GetFiles(user).Select(Path.GetFileName));

        // an RL run is neither continued nor deleted by the pretrainer (nor the other way round)
        var rl = Run("rl", "seed: 0\nstrategy: dynamic_tree\n");
        var resumed = Assert.Throws<OutputPathException>(() =>
            RunDirectory.PrepareForRun(rl, RunDirectory.Pretraining, resume: true, overwrite: false));
        Assert.Equal($"'{rl}' holds an Arbor run, but not an Arbor pretraining run directory (its config.yaml does not set `data`): " +
            $"refusing to continue it. Choose another --out.", resumed.Message);
        Assert.Contains("refusing to delete it", Assert.Throws<OutputPathException>(() =>
            RunDirectory.PrepareForRun(rl, RunDirectory.Pretraining, resume: false, overwrite: true)).Message);
        Assert.True(File.Exists(Path.Combine(rl, "metrics.jsonl")));
        Assert.True(Directory.Exists(Path.Combine(rl, "checkpoint")));

        var pretraining = Run("pretraining", "seed: 0\ndata:\n  world: shapes\n");
        Assert.Throws<OutputPathException>(() => RunDirectory.PrepareForRun(pretraining, RunDirectory.Rl, resume: true, overwrite: false));
        RunDirectory.PrepareForRun(pretraining, RunDirectory.Pretraining, resume: true, overwrite: false);
        Assert.True(File.Exists(Path.Combine(pretraining, "metrics.jsonl")));
    }

    [Fact]
    public void AFileOutputReplacesOnlyNothingAnEmptyFileOrItsOwnEarlierResult()
    {
        OutputGuard.CheckCanWriteFile(Path.Combine(_temp.Path, "new.json"), Timings);
        var empty = Path.Combine(_temp.Path, "empty.json");
        File.WriteAllText(empty, "");
        OutputGuard.CheckCanWriteFile(empty, Timings);
        var earlier = Path.Combine(_temp.Path, "binding.json");
        File.WriteAllText(earlier, """{"date": "x", "settings": {}, "arbor": {"tiny_add_us": [1.0]}, "pytorch": null}""");
        OutputGuard.CheckCanWriteFile(earlier, Timings);

        // another benchmark's JSON, a user's JSON, a text file: refused, untouched
        foreach (var (name, text, why) in new[]
        {
            ("model.json", """{"settings": {}, "arbor": {"train_images_per_s": [1.0]}}""",
                "it is not a JSON object with settings, arbor.tiny_add_us"),
            ("data.json", "[1, 2, 3]", "it is not a JSON object with settings, arbor.tiny_add_us"),
            ("thesis.tex", "\\documentclass{article}", "it is not JSON, so not a JSON object with settings, arbor.tiny_add_us"),
        })
        {
            var path = Path.Combine(_temp.Path, name);
            File.WriteAllText(path, text);
            var e = Assert.Throws<OutputPathException>(() => OutputGuard.CheckCanWriteFile(path, Timings));
            Assert.Equal($"'{path}' exists and is not an `arbor bench binding` output ({why}): refusing to overwrite it. Choose another " +
                $"--out, or remove it yourself.", e.Message);
            Assert.Equal(text, File.ReadAllText(path));
        }
        Assert.Contains("is a directory, not a file",
            Assert.Throws<OutputPathException>(() => OutputGuard.CheckCanWriteFile(_temp.Path, Timings)).Message);
    }
}
