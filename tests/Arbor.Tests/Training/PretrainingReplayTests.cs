using Arbor.Pretraining;
using Arbor.Shapes;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Tests.Pretraining;
using Arbor.Training;

namespace Arbor.Tests.Training;

/// <summary>The pretraining-data replay term: λ · the flow-matching loss on the world's data, the same over ranks.</summary>
public class PretrainingReplayTests
{
    private static float[][] Gradients(Pipelines.TextToImagePipeline pipeline) =>
        [.. pipeline.Model.Parameters(trainableOnly: true).Select(p => p.Grad?.ToFloatArray() ?? new float[p.NumEl])];

    private static Pipelines.TextToImagePipeline Tiny()
    {
        var tokenizer = new global::Arbor.Text.WordTokenizer(new TwoColorSource().Vocabulary);
        using var gen = new Generator(5);
        return Pipelines.TextToImagePipeline.Create(PretrainerTests.Tiny(1).Model, tokenizer, gen);
    }

    /// <summary>
    /// Replay batch (iteration 4, part 1 of 2) of seed 9, batch size 6 and caption dropout 0.3, drawn by hand: batch index
    /// 4·2 + 1 and the draws of generator (9, 4, 1) in the term's order. The tensors land in the caller's scope.
    /// </summary>
    private static (Tensor X0, Tensor T, Tensor Noise, global::Arbor.Models.TextConditioning Condition) DrawsOfIteration4Part1(
        Pipelines.TextToImagePipeline pipeline)
    {
        using var generator = new Generator(ShapesRng.Hash(9, 4, 1));
        var batch = new TwoColorSource().Batch(9, 6);
        var x0 = Torch.FromArray(batch.Pixels, [6, 3, 8, 8]);
        var drop = Torch.Rand([6], generator).ToFloatArray();
        var t = DenoisingObjective.SampleTimes(6, 0, 1, generator);
        var noise = Torch.Randn([6, 3, 8, 8], generator);
        return (x0, t, noise, pipeline.Encode([.. batch.Captions.Select((c, i) => drop[i] < 0.3 ? "" : c)]));
    }

    [Fact]
    public void ItsGradientIsLambdaTimesTheFlowMatchingGradientOnItsBatch()
    {
        using var pipeline = Tiny();
        var config = new ReplayConfig { Weight = 0.5, BatchSize = 6, CaptionDropout = 0.3 };
        var replay = new PretrainingReplay(pipeline, new TwoColorSource(), config, seed: 9);
        foreach (var p in pipeline.Model.Parameters()) p.Grad = null;
        double value = replay.Backward(iteration: 4, part: 1, parts: 2);
        var got = Gradients(pipeline);

        // the same batch by hand
        foreach (var p in pipeline.Model.Parameters()) p.Grad = null;
        using (var scope = Torch.NewScope())
        {
            var (x0, t, noise, condition) = DrawsOfIteration4Part1(pipeline);
            using var _ = condition;
            var loss = DenoisingObjective.Loss(pipeline.Model, x0, t, noise, condition);
            Assert.Equal(0.5 * loss.Item(), value, 6);
            (loss * 0.5).Backward();
        }
        var expected = Gradients(pipeline);
        for (int i = 0; i < got.Length; i++) Assert.Equal(expected[i], got[i]);
        Assert.Contains(got, g => g.Any(v => v != 0));
    }

    [Fact]
    public void TwoRanksReplayWhatOneProcessDoes()
    {
        var config = new ReplayConfig { Weight = 1, BatchSize = 8 };
        float[][] Replayed(global::Arbor.Distributed.DataParallel? dp)
        {
            using var pipeline = Tiny();
            var replay = new PretrainingReplay(pipeline, new TwoColorSource(), config, seed: 3);
            foreach (var p in pipeline.Model.Parameters()) p.Grad = null;
            replay.Backward(iteration: 2, part: 0, parts: 1, dp);
            dp?.AllReduceGradients([.. pipeline.Model.Parameters(trainableOnly: true)]);
            return Gradients(pipeline);
        }
        var one = Replayed(null);
        var ranks = Distributed.Ranks.Run(2, dp => Replayed(dp));
        for (int i = 0; i < one.Length; i++)
        {
            for (int j = 0; j < one[i].Length; j++)
            {
                Assert.True(Math.Abs(one[i][j] - ranks[0][i][j]) <= 1e-5 * (Math.Abs(one[i][j]) + 1e-6),
                    $"parameter {i}[{j}]: {one[i][j]:R} vs {ranks[0][i][j]:R}");
            }
        }
    }

    [Fact]
    public void TheBaseTargetIsZeroAtTheBaseAndRegressesTheAdaptedModelOntoIt()
    {
        using var pipeline = Tiny();
        var model = pipeline.Model;
        using var gen = new Generator(11);
        using (Torch.NoGrad())                                                   // a fresh DiT's zero-initialized output
        {
            foreach (var (name, p) in model.NamedParameters())
                if (name.StartsWith("final", StringComparison.Ordinal) || name.Contains("adaLN")) p.CopyFrom(Torch.RandnLike(p, gen) * 0.1);
        }
        LoraInjection.Apply(model, @"^blocks\.\d+\.(attn|cross)\.(q|kv|out)$", rank: 2, alpha: 4, gen);
        var config = new ReplayConfig { Weight = 0.5, BatchSize = 6, CaptionDropout = 0.3, Target = ReplayTarget.Base };
        var replay = new PretrainingReplay(pipeline, new TwoColorSource(), config, seed: 9);

        foreach (var p in model.Parameters()) p.Grad = null;
        Assert.Equal(0.0, replay.Backward(iteration: 4, part: 1, parts: 2));    // B = 0: the model is the base
        Assert.All(Gradients(pipeline), g => Assert.All(g, v => Assert.Equal(0f, v)));

        using (Torch.NoGrad()) foreach (var (_, p) in LoraInjection.LoraParameters(model)) p.CopyFrom(Torch.RandnLike(p, gen) * 0.3);
        foreach (var p in model.Parameters()) p.Grad = null;
        double value = replay.Backward(iteration: 4, part: 1, parts: 2);
        var got = Gradients(pipeline);

        // by hand: the same draws as the data target's (above), the base's velocity as the target
        foreach (var p in model.Parameters()) p.Grad = null;
        using (var scope = Torch.NewScope())
        {
            var (x0, t, noise, condition) = DrawsOfIteration4Part1(pipeline);
            using var _ = condition;
            var xt = model.Process.Noised(x0, noise, t);
            LoraInjection.SetEnabled(model, false);
            var target = model.Velocity(xt, t, condition).Detach();
            LoraInjection.SetEnabled(model, true);
            var loss = F.MseLoss(model.Velocity(xt, t, condition), target) * 0.5;
            Assert.Equal(loss.Item(), value, 6);
            Assert.True(value > 0);
            loss.Backward();
        }
        var expected = Gradients(pipeline);
        for (int i = 0; i < got.Length; i++) Assert.Equal(expected[i], got[i]);
    }

    [Fact]
    public void ABaseTargetStepLeavesTheLiveTensorCountAtItsBaseline()
    {
        using var pipeline = Tiny();
        using var gen = new Generator(12);
        LoraInjection.Apply(pipeline.Model, @"^blocks\.\d+\.(attn|cross)\.(q|kv|out)$", rank: 2, alpha: 4, gen);
        var config = new ReplayConfig { Weight = 1, BatchSize = 4, Target = ReplayTarget.Base };
        var replay = new PretrainingReplay(pipeline, new TwoColorSource(), config, seed: 2);
        replay.Backward(iteration: 0, part: 0, parts: 1);                      // allocates the adapters' gradients
        long baseline = Torch.LiveTensors;
        replay.Backward(iteration: 1, part: 0, parts: 1);
        Assert.Equal(baseline, Torch.LiveTensors);
    }

    [Fact]
    public void BadSettingsAreNamed()
    {
        Assert.Contains("replay.weight must be a finite number >= 0 (got -1)", new ReplayConfig { Weight = -1 }.Problems());
        Assert.Contains("replay.batch_size must be >= 1 (got 0)", new ReplayConfig { BatchSize = 0 }.Problems());
        Assert.Contains(new GrpoTrainConfig { Replay = new ReplayConfig { Weight = double.NaN } }.Problems(),
            p => p.StartsWith("replay.weight"));
        Assert.Empty(new ReplayConfig().Problems());
        Assert.Contains("replay.target base needs lora.enabled: the base is the model with its LoRA switched off",
            new GrpoTrainConfig { Replay = new() { Weight = 1, Target = ReplayTarget.Base }, Lora = new() { Enabled = false } }.Problems());
    }
}
