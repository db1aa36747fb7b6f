using Arbor.Cli.Bench;
using Arbor.Runs;

namespace Arbor.Cli.Tests;

/// <summary>`arbor bench rl-throughput` on the tiny model: the real trainer, both precisions per round, warm-up untimed.</summary>
public class RlThroughputTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("arbor-cli-rl-throughput-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void EachRoundTimesBothPrecisionsInAlternatingOrderThroughTheTrainerAndSkipsTheWarmUp()
    {
        var config = TinyRun.WriteTrainConfig(_dir, 100);
        var output = Path.Combine(_dir, "out");
        RlThroughput.PrepareOutput(output);
        var lines = new List<string>();
        var row = RlThroughput.Run(config, Path.Combine(_dir, "base"), rounds: 2, iterations: 2, output, lines.Add);

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

        var user = Path.Combine(_dir, "user");
        Directory.CreateDirectory(user);
        File.WriteAllText(Path.Combine(user, "notes.txt"), "mine");
        Assert.ThrowsAny<Exception>(() => RlThroughput.PrepareOutput(user));
        Assert.Equal("mine", File.ReadAllText(Path.Combine(user, "notes.txt")));
    }
}
