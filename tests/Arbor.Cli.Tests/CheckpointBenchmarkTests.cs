using Arbor.Cli.Bench;
using Arbor.TestKit;

namespace Arbor.Cli.Tests;

public class CheckpointBenchmarkTests
{
    [Fact]
    public void ItTimesEveryWriteOfARealCheckpointAndLeavesNothingBehind()
    {
        using var temp = new TempDirectory("arbor-bench-checkpoint-");
        var scratch = Path.Combine(temp.Path, "scratch");
        var result = CheckpointBenchmark.Run(TinyRun.SaveModel(temp.Path), scratch, reps: 3);
        // GrpoCheckpoint.Save's files: lora.safetensors, optimizer.safetensors, state.json, config.yaml
        Assert.Equal(4, result.Files);
        Assert.All(new[] { result.Save, result.Durable, result.Unsynced }, s => Assert.Equal(3, s.Values.Count(v => v > 0)));
        Assert.False(Directory.Exists(scratch));
    }
}
