using System.Text.Json;
using Arbor.Cli.Bench;
using Arbor.Runs;
using Arbor.TestKit;

namespace Arbor.Cli.Tests;

/// <summary>`arbor bench rl-throughput` on the tiny model: the real trainer, both precisions per round, warm-up untimed.</summary>
public class RlThroughputTests : IDisposable
{
    readonly TempDirectory _temp = new("arbor-cli-rl-throughput-");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void EachRoundTimesBothPrecisionsInAlternatingOrderThroughTheTrainerAndSkipsTheWarmUp()
    {
        var config = TinyRun.WriteTrainConfig(_temp.Path, 100);
        var output = Path.Combine(_temp.Path, "out");
        RlThroughput.PrepareOutput(output);
        var lines = new List<string>();
        var row = RlThroughput.Run(config, Path.Combine(_temp.Path, "base"), rounds: 2, iterations: 2, output, lines.Add);

        Assert.Equal("run.yaml", row.Config);
        Assert.Equal("flow_grpo", row.Strategy);
        Assert.Equal(2.0, row.ImagesPerIteration);               // 1 prompt x group of 2
        Assert.Equal(4, row.Fp32.Values.Length);                 // 2 rounds x 2 timed iterations
        Assert.Equal(4, row.Bf16.Values.Length);
        Assert.All(row.Fp32.Values.Concat(row.Bf16.Values), s => Assert.True(s > 0 && double.IsFinite(s)));
        Assert.Equal(2, row.RoundRatios.Length);
        Assert.All(row.RoundRatios, r => Assert.True(r > 0 && double.IsFinite(r)));
        // round 0 runs fp32 first, round 1 bf16 first
        Assert.Equal(["fp32", "bf16", "bf16", "fp32"], lines.Select(l => l.Split(' ')[3].TrimEnd(':')));
        foreach (var (precision, round) in new[] { ("fp32", 0), ("bf16", 0), ("bf16", 1), ("fp32", 1) })
        {
            var run = Path.Combine(output, $"run-{precision}-round{round}");
            // the warm-up and two timed iterations, in the run's own precision, through the trainer that writes an RL run
            Assert.Equal(3, File.ReadLines(Path.Combine(run, "metrics.jsonl")).Count(l => l.Contains("\"kind\":\"train\"")));
            Assert.Contains($"precision: {precision}", File.ReadAllText(Path.Combine(run, "config.yaml")));
            Assert.True(RunDirectory.Rl.Recognises(run));
        }
        RlThroughput.Save([row], Path.Combine(output, RlThroughput.ResultsFile));
        Assert.True(RlThroughput.Output.Recognises(output));
        RlThroughput.PrepareOutput(output);                      // an earlier output of its own: accepted again

        var user = Path.Combine(_temp.Path, "user");
        Directory.CreateDirectory(user);
        File.WriteAllText(Path.Combine(user, "notes.txt"), "mine");
        Assert.ThrowsAny<Exception>(() => RlThroughput.PrepareOutput(user));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(user, "notes.txt")));
    }

    [Fact]
    public void TheCommandPrintsOneJsonObjectPerConfigWithLogFormatJsonAndOnlyTheTableWhenQuiet()
    {
        var config = TinyRun.WriteTrainConfig(_temp.Path, 100);
        var output = Path.Combine(_temp.Path, "out");
        string[] args = ["bench", "rl-throughput", "--configs", config, "--model", Path.Combine(_temp.Path, "base"), "--rounds", "1",
            "--iterations", "1", "--out", output];
        var (code, json, err) = ArborProcess.Run(ArborProcess.ArborCommand([.. args, "--log-format", "json"]));
        Assert.True(code == 0, err);
        var lines = json.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(["config", "summary"], lines.Select(l => l.GetProperty("kind").GetString()));
        Assert.Equal("run.yaml", lines[0].GetProperty("result").GetProperty("Config").GetString());
        Assert.Equal(Path.Combine(output, RlThroughput.ResultsFile), lines[1].GetProperty("results").GetString());

        // again into its own output: no header, no per-run lines, the table and where the results are
        (code, var quiet, err) = ArborProcess.Run(ArborProcess.ArborCommand([.. args, "--quiet"]));
        Assert.True(code == 0, err);
        Assert.DoesNotContain("arbor bench rl-throughput:", quiet);
        Assert.DoesNotContain("round 1", quiet);
        Assert.Contains("run.yaml", quiet);
        Assert.Contains($"raw: {Path.Combine(output, RlThroughput.ResultsFile)}", quiet);
    }
}
