using System.Diagnostics;
using System.Runtime.InteropServices;
using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Shapes;
using Arbor.Tensors;
using Arbor.Text;

namespace Arbor.Cli.Tests;

/// <summary>Ctrl+C and SIGTERM on the real `arbor train` process: it stops at a clean point with a checkpoint and exits 128 + the signal.</summary>
public partial class InterruptTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("arbor-cli-interrupt-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    private const int SigInt = 2, SigTerm = 15;

    private static Process Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "arbor.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        return Process.Start(start)!;
    }

    /// <summary>Whether this process ignores SIGINT (started as a background job of a non-interactive shell, as CI may
    /// be): its children inherit that, and .NET keeps an inherited-ignored SIGINT ignored, as POSIX programs do.</summary>
    private static bool SigIntIgnoredHere()
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith("SigIgn:"));
        ulong mask = Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16);
        return (mask & (1UL << (SigInt - 1))) != 0;
    }

    [Fact]
    public async Task SigtermStopsAfterTheCurrentIterationWithACheckpointAndExits143() => await StopsCleanlyOn(SigTerm, 143);

    [Fact]
    public async Task SigintStopsAfterTheCurrentIterationWithACheckpointAndExits130()
    {
        if (!SigIntIgnoredHere())
        {
            await StopsCleanlyOn(SigInt, 130);
            return;
        }
        // a background job: Ctrl+C is not for it, it keeps iterating, and SIGTERM still stops it cleanly
        using var run = StartRun();
        await run.WaitForIterations(2);
        Assert.Equal(0, Kill(run.Process.Id, SigInt));
        await run.WaitForIterations(2);
        Assert.False(run.Process.HasExited);
        Assert.Equal(0, Kill(run.Process.Id, SigTerm));
        await run.AssertStoppedCleanly(143);
    }

    private async Task StopsCleanlyOn(int signal, int exitCode)
    {
        using var run = StartRun();
        await run.WaitForIterations(2);
        Assert.Equal(0, Kill(run.Process.Id, signal));
        await run.AssertStoppedCleanly(exitCode);
    }

    private TrainRun StartRun()
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
        var dir = Path.Combine(_dir, "run");
        return new TrainRun(Start("train", "--config", config, "--out", dir), dir);
    }

    /// <summary>A running `arbor train` whose stdout (one plain line per iteration: it is redirected) is read as it comes.</summary>
    private sealed class TrainRun(Process process, string directory) : IDisposable
    {
        public Process Process { get; } = process;
        private readonly Task<string> _stderr = process.StandardError.ReadToEndAsync();

        public async Task WaitForIterations(int count)
        {
            int seen = 0;
            while (seen < count && await Process.StandardOutput.ReadLineAsync() is { } line)
                if (line.StartsWith("iter ")) seen++;
            Assert.Equal(count, seen);
        }

        public async Task AssertStoppedCleanly(int exitCode)
        {
            var rest = Process.StandardOutput.ReadToEndAsync();
            Assert.True(Process.WaitForExit(60_000), "the run did not stop within a minute of the signal");
            await rest;
            var err = await _stderr;

            Assert.Equal(exitCode, Process.ExitCode);
            Assert.Contains("stopping after the current iteration", err);
            Assert.Contains("--resume", err);
            var state = File.ReadAllText(Path.Combine(directory, "checkpoint", "state.json"));
            long done = System.Text.Json.JsonDocument.Parse(state).RootElement.GetProperty("Iterations").GetInt64();
            Assert.True(done >= 2, state);
            var trainLines = File.ReadAllLines(Path.Combine(directory, "metrics.jsonl")).Count(l => l.Contains("\"train\""));
            Assert.Equal(done, trainLines);   // every logged iteration is in the checkpoint
        }

        public void Dispose()
        {
            if (!Process.HasExited) Process.Kill();
            Process.Dispose();
        }
    }
}
