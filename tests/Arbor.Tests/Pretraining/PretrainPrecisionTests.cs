using Arbor.Evaluation;
using Arbor.Pipelines;
using Arbor.Pretraining;
using Arbor.Tensors;
using Arbor.TestKit;

namespace Arbor.Tests.Pretraining;

/// <summary>train.precision of `arbor pretrain`: each step's products in bf16, everything around them as before.</summary>
public class PretrainPrecisionTests : IDisposable
{
    private readonly TempDirectory _temp = new("arbor-pretrain-precision-");
    public void Dispose() => _temp.Dispose();

    private static PretrainConfig Tiny(int steps, Precision precision) =>
        PretrainerTests.Tiny(steps) with { Train = PretrainerTests.Tiny(steps).Train with { Precision = precision } };

    /// <summary>Records the precision each evaluation was asked in and
    /// reports an empty set (no sampling: the scope is the point).</summary>
    private sealed class PrecisionRecordingEvaluator : IHeldOutEvaluator
    {
        public List<Precision> EvaluatedIn { get; } = [];

        public EvaluationReport Evaluate(TextToImagePipeline pipeline, EvalConfig config, long step, string outputDirectory)
        {
            EvaluatedIn.Add(ComputePrecision.Current);
            return new EvaluationReport(step, [new SetEvaluation(HeldOutSet.InDistribution, [])], 0);
        }
    }

    private List<double> Losses(PretrainConfig config, string dir, IHeldOutEvaluator? evaluator = null, List<Precision>? reportedIn = null)
    {
        var losses = new List<double>();
        var trainer = new Pretrainer(config, new TwoColorSource(), evaluator, dir);
        trainer.StepCompleted += r =>
        {
            losses.Add(r.Loss);
            reportedIn?.Add(ComputePrecision.Current);
        };
        trainer.Run(resume: false, cancel: TestContext.Current.CancellationToken);
        return losses;
    }

    [Fact]
    public void ABf16StepRunsOtherProductsThanFp32AndLeavesFp32Behind()
    {
        var fp32 = Losses(Tiny(3, Precision.Fp32), Path.Combine(_temp.Path, "fp32"));
        var evaluator = new PrecisionRecordingEvaluator();
        var reportedIn = new List<Precision>();
        var bf16Config = Tiny(3, Precision.Bf16) with { Eval = Tiny(3, Precision.Bf16).Eval with { Every = 1 } };
        var bf16 = Losses(bf16Config, Path.Combine(_temp.Path, "bf16"), evaluator, reportedIn);

        // the same seed, batches, times and noise. The DiT's output layer starts at zero (adaLN-Zero), so the first
        // velocity is 0 in both and the first loss is ‖ε − x0‖² exactly; the first step's gradients went through bf16
        // products, so from the second step on the weights and losses differ, by rounding only: bf16 keeps 8 significant
        // bits (0.2 % per operand), and 5 % flags a wrong forward or backward without flaking on rounding.
        Assert.Equal(fp32[0], bf16[0]);
        for (int i = 1; i < fp32.Count; i++)
        {
            Assert.NotEqual(fp32[i], bf16[i]);
            Assert.True(Math.Abs(bf16[i] - fp32[i]) < 0.05 * fp32[i], $"loss {i}: fp32 {fp32[i]} vs bf16 {bf16[i]}");
        }
        // the scope closes with each step: reports, evaluations (eval.precision's own business) and the caller see fp32
        Assert.Equal([Precision.Fp32, Precision.Fp32, Precision.Fp32], reportedIn);
        Assert.Equal([Precision.Fp32, Precision.Fp32, Precision.Fp32], evaluator.EvaluatedIn);
        Assert.Equal(Precision.Fp32, ComputePrecision.Current);
        // the run's config and its model card say what it trained in
        Assert.Contains("precision: bf16", File.ReadAllText(Path.Combine(_temp.Path, "bf16", "config.yaml")));
        Assert.Contains("Matrix products in bf16", File.ReadAllText(Path.Combine(_temp.Path, "bf16", "model", ModelCard.FileName)));
        Assert.DoesNotContain("Matrix products in bf16", File.ReadAllText(Path.Combine(_temp.Path, "fp32", "model", ModelCard.FileName)));
    }

    [Fact]
    public void ASeededBf16RunRepeatsBitForBit()
    {
        var a = Path.Combine(_temp.Path, "a");
        var b = Path.Combine(_temp.Path, "b");
        var lossesA = Losses(Tiny(4, Precision.Bf16), a);
        var lossesB = Losses(Tiny(4, Precision.Bf16), b);
        Assert.Equal(lossesA.Select(l => l.ToString("R")), lossesB.Select(l => l.ToString("R")));
        foreach (var file in new[] { "model/model.safetensors", "checkpoint/optimizer.safetensors", "checkpoint/ema.safetensors" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(a, file)), File.ReadAllBytes(Path.Combine(b, file)));
    }

    [Fact]
    public void Bf16PretrainingStepsLeaveLiveTensorsAtBaseline()
    {
        // a first run warms up whatever lives for the process (libtorch's and the binding's caches)
        Losses(Tiny(1, Precision.Bf16), Path.Combine(_temp.Path, "warm"));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long baseline = Torch.UnreleasedTensors;
        Losses(Tiny(3, Precision.Bf16), Path.Combine(_temp.Path, "run"));
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.True(baseline == Torch.UnreleasedTensors, $"{Torch.UnreleasedTensors - baseline} tensors more than before the run");
    }
}
