using Arbor.Cli.Bench;
using Arbor.Pipelines;
using Arbor.Tensors;
using Arbor.TestKit;

namespace Arbor.Cli.Tests;

public class PrecisionBenchmarkTests
{
    [Fact]
    public void ItTimesBothTrainingStepsInBothPrecisionsOnCopiesOfTheBase()
    {
        using var temp = new TempDirectory("arbor-bench-precision-");
        using var pipeline = TextToImagePipeline.Load(TinyRun.SaveModel(temp.Path));
        // a fresh DiT's adaLN and output layers start at zero (adaLN-Zero), so its velocity is 0 in any precision: wake them
        using (var scope = Torch.NewScope())
        using (Torch.NoGrad())
        using (var gen = new Generator(3))
        {
            foreach (var (name, param) in pipeline.Model.NamedParameters())
                if (name.Contains("adaLN") || name.StartsWith("final")) param.CopyFrom(Torch.RandnLike(param, gen) * 0.05);
        }
        var before = pipeline.Model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.ToFloatArray());
        var result = PrecisionBenchmark.Run(pipeline, images: 4, guidance: 3.0, rounds: 2, reps: 1, pretrainBatch: 4);

        Assert.NotNull(result.PretrainStep);
        Assert.NotNull(result.RlStep);
        Assert.Contains(result.PretrainStep, result.Rows);
        Assert.Contains(result.RlStep, result.Rows);
        Assert.Equal((4, 4L), (result.PretrainBatch, result.RlNodes));
        // one value per precision and round, every one a real time
        Assert.All(result.Rows,
            r => Assert.True(r.Fp32.Values.Length == 2 && r.Bf16.Values.Length == 2 && r.Fp32.Min > 0 && r.Bf16.Min > 0, r.Name));
        // the same batch and weights: only the products' rounding moves the loss
        Assert.True(double.IsFinite(result.PretrainLossFp32) && result.PretrainLossFp32 > 0);
        Assert.NotEqual(result.PretrainLossFp32, result.PretrainLossBf16);
        Assert.True(Math.Abs(result.PretrainLossBf16 - result.PretrainLossFp32) < 0.05 * result.PretrainLossFp32,
            $"loss fp32 {result.PretrainLossFp32} vs bf16 {result.PretrainLossBf16}");
        // the steps trained copies: the base the other rows time is as loaded, and the scope is closed
        foreach (var (name, tensor) in pipeline.Model.StateDict())
            Assert.Equal(before[name], tensor.ToFloatArray());
        Assert.Equal(Precision.Fp32, ComputePrecision.Current);
    }
}
