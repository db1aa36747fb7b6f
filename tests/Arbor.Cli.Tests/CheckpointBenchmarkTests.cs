using Arbor.Cli.Bench;

namespace Arbor.Cli.Tests;

public class CheckpointBenchmarkTests
{
    [Fact]
    public void ItTimesEveryWriteOfARealCheckpointAndLeavesNothingBehind()
    {
        var root = Directory.CreateTempSubdirectory("arbor-bench-checkpoint-").FullName;
        try
        {
            var scratch = Path.Combine(root, "scratch");
            var result = CheckpointBenchmark.Run(TinyRun.SaveModel(root), scratch, reps: 3);
            // GrpoCheckpoint.Save's files: lora.safetensors, optimizer.safetensors, state.json, config.yaml
            Assert.Equal(4, result.Files);
            Assert.All(new[] { result.Save, result.Durable, result.Unsynced }, s => Assert.Equal(3, s.Values.Count(v => v > 0)));
            Assert.False(Directory.Exists(scratch));
        }
        finally { Directory.Delete(root, recursive: true); }
    }
}
