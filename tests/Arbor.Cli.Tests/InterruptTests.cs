using System.Diagnostics;
using System.Runtime.InteropServices;
using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Shapes;
using Arbor.Tensors;
using Arbor.Text;

namespace Arbor.Cli.Tests;

/// <summary>Ctrl+C on the real `arbor train` process: it stops at a clean point, exits 130 and resumes from there.</summary>
public partial class InterruptTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("arbor-cli-interrupt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    private const int SigInt = 2;

    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "arbor.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    [Fact]
    public async Task SigintStopsAfterTheCurrentIterationWithACheckpointAndExits130()
    {
        var model = Path.Combine(_dir, "base");
        using (var gen = new Generator(7))
        using (var pipeline = TextToImagePipeline.Create(new DiTConfig { ImageSize = 16, PatchSize = 4, Dim = 32, Depth = 1, Heads = 2, MlpRatio = 2,
                   Text = new TextEncoderConfig { MaxTokens = 16, Dim = 16, Depth = 1, Heads = 2 } }, new WordTokenizer(ShapesVocabulary.Words), gen))
            pipeline.Save(model);
        var config = Path.Combine(_dir, "run.yaml");
        // many iterations, a checkpoint only every 1000: the checkpoint the interruption leaves is its own
        File.WriteAllText(config, $"""
            model: {model}
            strategy: flow_grpo
            flow_grpo:
              steps: 3
              group_size: 2
            rollout:
              guidance: 1.0
            reward:
              names: [jpeg_compressibility]
            train:
              iterations: 100000
              prompts_per_iteration: 1
              checkpoint_every: 1000
            eval:
              every: 0
              prompts_per_family: 1
              steps: 2
              cache_base: false
            split:
              test_prompts_per_family: 2
              rl_prompts_per_family: 3
            """);
        var run = Path.Combine(_dir, "run");

        using var process = Start("train", "--config", config, "--out", run);
        var stderr = process.StandardError.ReadToEndAsync();
        // wait for two iteration lines (stdout is redirected: one plain line per iteration)
        int iterations = 0;
        while (iterations < 2 && await process.StandardOutput.ReadLineAsync() is { } line)
            if (line.StartsWith("iter ")) iterations++;
        Assert.Equal(0, Kill(process.Id, SigInt));
        var rest = process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(60_000), "the run did not stop within a minute of SIGINT");
        await rest;
        var err = await stderr;

        Assert.Equal(130, process.ExitCode);
        Assert.Contains("stopping after the current iteration", err);
        Assert.Contains("--resume", err);
        var state = File.ReadAllText(Path.Combine(run, "checkpoint", "state.json"));
        long done = System.Text.Json.JsonDocument.Parse(state).RootElement.GetProperty("Iterations").GetInt64();
        Assert.True(done >= 2, state);
        var trainLines = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Count(l => l.Contains("\"train\""));
        Assert.Equal(done, trainLines);   // every logged iteration is in the checkpoint
    }
}
