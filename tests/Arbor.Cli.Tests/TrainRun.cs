using System.Diagnostics;

namespace Arbor.Cli.Tests;

/// <summary>A running `arbor train` whose stdout (one plain line per iteration: it is redirected) is read as it comes.</summary>
internal sealed class TrainRun(Process process, string directory) : IDisposable
{
    public Process Process { get; } = process;
    private readonly Task<string> _stderr = process.StandardError.ReadToEndAsync();

    /// <summary>`arbor train --config CONFIG --out DIRECTORY`, started.</summary>
    public static TrainRun Start(string config, string directory) =>
        new(Process.Start(ArborProcess.ArborCommand("train", "--config", config, "--out", directory))!, directory);

    public async Task WaitForIterations(int count)
    {
        int seen = 0;
        while (seen < count && await Process.StandardOutput.ReadLineAsync() is { } line)
            if (line.StartsWith("iter ")) seen++;
        Assert.Equal(count, seen);
    }

    /// <summary>After a stop request: the run exited with <paramref name="exitCode"/>
    /// and every logged iteration is in its checkpoint.</summary>
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
