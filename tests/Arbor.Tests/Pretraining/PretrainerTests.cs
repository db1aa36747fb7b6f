using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Pretraining;
using Arbor.Runs;
using Arbor.Tensors;
using Arbor.TestKit;

namespace Arbor.Tests.Pretraining;

/// <summary>Two solid colors named by their captions: a data set a tiny model learns in a few steps.</summary>
internal sealed class TwoColorSource : ICaptionedImageSource
{
    public int Channels => 3;
    public int ImageSize => 8;
    public IReadOnlyList<string> Vocabulary => ["red", "blue", "a", "square"];

    public CaptionedBatch Batch(long index, int batchSize)
    {
        var pixels = new float[batchSize * 3 * 64];
        var captions = new string[batchSize];
        for (int b = 0; b < batchSize; b++)
        {
            bool red = (index + b) % 2 == 0;
            captions[b] = red ? "a red square" : "a blue square";
            for (int i = 0; i < 64; i++)
            {
                pixels[b * 192 + i] = red ? 0.8f : -0.6f;
                pixels[b * 192 + 64 + i] = -0.6f;
                pixels[b * 192 + 128 + i] = red ? -0.6f : 0.8f;
            }
        }
        return new CaptionedBatch(pixels, captions);
    }
}

public class PretrainerTests : IDisposable
{
    private readonly TempDirectory _temp = new("arbor-pretrain-");
    // not created: the pretrainer makes its output directory, as for a fresh --out
    private readonly string _dir;
    public PretrainerTests() => _dir = Path.Combine(_temp.Path, "run");
    public void Dispose() => _temp.Dispose();

    /// <summary>A two-block DiT on 8x8 images: a pretraining step takes milliseconds.</summary>
    internal static PretrainConfig Tiny(int steps) => new()
    {
        Seed = 3,
        Model = new DiTConfig
        {
            ImageSize = 8, PatchSize = 2, Dim = 32, Depth = 2, Heads = 2, MlpRatio = 2,
            Text = new TextEncoderConfig { MaxTokens = 6, Dim = 16, Depth = 1, Heads = 2 },
        },
        Train = new PretrainOptimConfig { Steps = steps, BatchSize = 8, LearningRate = 3e-3, WarmupSteps = 2, EmaDecay = 0.9 },
        CheckpointEvery = 3,
        LogEvery = 1,
    };

    [Fact]
    public void LossFallsAndTheExportedModelLoads()
    {
        var losses = new List<double>();
        var trainer = new Pretrainer(Tiny(30), new TwoColorSource(), null, _dir);
        trainer.StepCompleted += r => losses.Add(r.Loss);
        trainer.Run(resume: false, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(30, losses.Count);
        Assert.True(losses.TakeLast(5).Average() < 0.6 * losses.Take(5).Average(),
            $"loss {losses.Take(5).Average():F3} → {losses.TakeLast(5).Average():F3}");
        using var pipeline = TextToImagePipeline.Load(trainer.ModelDirectory);
        using var scope = Torch.NewScope();
        using var gen = new Generator(0);
        var images = pipeline.Generate(["a red square", "a blue square"], gen, steps: 10, guidance: 2.0);
        var px = images.ToFloatArray();
        Assert.True(px[0] > px[128], "the red prompt should give more red than blue");          // image 0: R vs B at pixel 0
        Assert.True(px[192 + 128] > px[192], "the blue prompt should give more blue than red");
    }

    [Fact]
    public void AResumedRunContinuesExactlyAsAnUninterruptedOne()
    {
        var whole = Path.Combine(_dir, "whole");
        var killed = Path.Combine(_dir, "killed");
        new Pretrainer(Tiny(9), new TwoColorSource(), null, whole).Run(resume: false, cancel: TestContext.Current.CancellationToken);
        new Pretrainer(Tiny(9), new TwoColorSource(), null, killed)
            .Run(resume: false, stopAfter: 6, cancel: TestContext.Current.CancellationToken);
        Assert.False(Directory.Exists(Path.Combine(killed, "model")));
        new Pretrainer(Tiny(9), new TwoColorSource(), null, killed).Run(resume: true, cancel: TestContext.Current.CancellationToken);

        foreach (var file in new[] { "model/model.safetensors", "checkpoint/optimizer.safetensors", "checkpoint/ema.safetensors" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(whole, file)), File.ReadAllBytes(Path.Combine(killed, file)));
        // the same progress (wall time aside: it is measured)
        static PretrainProgressState State(string dir)
        {
            var state = System.Text.Json.JsonSerializer.Deserialize<PretrainProgressState>(
                File.ReadAllText(Path.Combine(dir, "checkpoint", "state.json")))!;
            return state with { WallSeconds = 0 };
        }
        Assert.Equal(State(whole), State(killed));
        static string[] Losses(string dir) => File.ReadAllLines(Path.Combine(dir, "metrics.jsonl"))
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("loss").GetDouble().ToString("R")).ToArray();
        Assert.Equal(Losses(whole), Losses(killed));
    }

    [Fact]
    public void ACheckpointFromAnotherModelConfigFailsClearly()
    {
        new Pretrainer(Tiny(3), new TwoColorSource(), null, _dir).Run(resume: false, cancel: TestContext.Current.CancellationToken);
        var other = Tiny(6) with { Model = Tiny(6).Model with { Dim = 48, Heads = 2 } };
        var e = Assert.Throws<InvalidDataException>(() =>
            new Pretrainer(other, new TwoColorSource(), null, _dir).Run(resume: true, cancel: TestContext.Current.CancellationToken));
        Assert.Contains("does not match this run's model config", e.Message);
        Assert.Contains("shape mismatch", e.Message);
    }


    [Fact]
    public void ACorruptStateIsAnErrorNamingItsFileAndTheFailedResumeKeepsTheRunsConfig()
    {
        new Pretrainer(Tiny(3), new TwoColorSource(), null, _dir).Run(resume: false, cancel: TestContext.Current.CancellationToken);
        var config = File.ReadAllText(Path.Combine(_dir, "config.yaml"));
        var state = Path.Combine(AtomicDirectory.Resolve(Path.Combine(_dir, "checkpoint"))!, "state.json");
        File.WriteAllText(state, "{\"Step\": 3, \"Gener");   // torn by a disk error or an editor

        var longer = Tiny(6) with { Train = Tiny(6).Train with { LearningRate = 1e-3 } };
        var e = Assert.Throws<InvalidDataException>(() =>
            new Pretrainer(longer, new TwoColorSource(), null, _dir).Run(resume: true, cancel: TestContext.Current.CancellationToken));
        Assert.StartsWith($"'{state}' is not a valid checkpoint state: ", e.Message);
        Assert.Equal(config, File.ReadAllText(Path.Combine(_dir, "config.yaml")));   // still the run's own, not the failed resume's
    }
    [Fact]
    public void InitFromStartsFromAModelDirectorysWeights()
    {
        var first = Path.Combine(_dir, "first");
        new Pretrainer(Tiny(3), new TwoColorSource(), null, first).Run(resume: false, cancel: TestContext.Current.CancellationToken);
        var second = Path.Combine(_dir, "second");
        var cfg = Tiny(1) with
        {
            InitFrom = Path.Combine(first, "model"),
            Train = Tiny(1).Train with { LearningRate = 1e-12, EmaDecay = 0.5 }
        };
        new Pretrainer(cfg, new TwoColorSource(), null, second).Run(resume: false, cancel: TestContext.Current.CancellationToken);
        using var a = TextToImagePipeline.Load(Path.Combine(first, "model"));
        using var b = TextToImagePipeline.Load(Path.Combine(second, "model"));
        var wa = a.Model.StateDict()["blocks.0.fc1.weight"].ToFloatArray();
        var wb = b.Model.StateDict()["blocks.0.fc1.weight"].ToFloatArray();
        for (int i = 0; i < wa.Length; i++) Assert.True(Math.Abs(wa[i] - wb[i]) < 1e-5, $"weight {i}: {wa[i]} vs {wb[i]}");
    }

    [Fact]
    public void InitFromAModelOfTheOtherKindIsRefusedNamingBothUnlessTheRunConvertsIt()
    {
        var flow = Path.Combine(_dir, "flow");
        new Pretrainer(Tiny(3), new TwoColorSource(), null, flow).Run(resume: false, cancel: TestContext.Current.CancellationToken);
        var eps = Tiny(1) with
        {
            InitFrom = Path.Combine(flow, "model"),
            Model = Tiny(1).Model with { Kind = ModelKind.Epsilon, Diffusion = new DiffusionScheduleConfig() },
            Train = Tiny(1).Train with { LearningRate = 1e-12, EmaDecay = 0.5 },
        };
        var e = Assert.Throws<ModelKindMismatchException>(() =>
            new Pretrainer(eps, new TwoColorSource(), null, Path.Combine(_dir, "refused"))
                .Run(resume: false, cancel: TestContext.Current.CancellationToken));
        Assert.Contains("flow", e.Message);
        Assert.Contains("epsilon", e.Message);

        var converted = Path.Combine(_dir, "converted");
        new Pretrainer(eps with { InitFromOtherKind = true }, new TwoColorSource(), null, converted)
            .Run(resume: false, cancel: TestContext.Current.CancellationToken);
        using var a = TextToImagePipeline.Load(Path.Combine(flow, "model"));
        using var b = TextToImagePipeline.Load(Path.Combine(converted, "model"), expected: ModelKind.Epsilon);
        var wa = a.Model.StateDict()["blocks.0.fc1.weight"].ToFloatArray();
        var wb = b.Model.StateDict()["blocks.0.fc1.weight"].ToFloatArray();
        for (int i = 0; i < wa.Length; i++) Assert.True(Math.Abs(wa[i] - wb[i]) < 1e-5, $"weight {i}: {wa[i]} vs {wb[i]}");
        var card = File.ReadAllText(Path.Combine(converted, "model", ModelCard.FileName));
        Assert.Contains("It converts them", card);
        Assert.Contains("weights, converted from the other model kind, by `arbor pretrain`", card);
        Assert.DoesNotContain("from scratch", card.Split("## Earlier training")[0]);
        Assert.Contains("init_from_other_kind needs init_from (the model to convert)",
            (Tiny(1) with { InitFromOtherKind = true }).Problems());
    }

    [Fact]
    public void FinishAtShipsTheModelThereOnTheLongerScheduleAndTheCardSaysSo()
    {
        var full = Path.Combine(_dir, "full");
        var early = Path.Combine(_dir, "early");
        new Pretrainer(Tiny(9), new TwoColorSource(), null, full)
            .Run(resume: false, stopAfter: 6, cancel: TestContext.Current.CancellationToken);
        new Pretrainer(Tiny(9), new TwoColorSource(), null, early)
            .Run(resume: false, finishAt: 6, cancel: TestContext.Current.CancellationToken);
        // the same six steps as the 9-step schedule, then the export
        Assert.Equal(File.ReadAllBytes(Path.Combine(full, "checkpoint", "ema.safetensors")),
            File.ReadAllBytes(Path.Combine(early, "checkpoint", "ema.safetensors")));
        using (var model = TextToImagePipeline.Load(Path.Combine(early, "model")))
        using (var scope = Torch.NewScope())
        {
            var ema = Arbor.Tensors.Serialization.Safetensors.Load(Path.Combine(full, "checkpoint", "ema.safetensors"));
            Assert.Equal(ema["blocks.0.fc1.weight"].ToFloatArray(), model.Model.StateDict()["blocks.0.fc1.weight"].ToFloatArray());
        }
        var card = File.ReadAllText(Path.Combine(early, "model", ModelCard.FileName));
        Assert.Contains("finished early at step 6 of a 9-step schedule", card);

        // a continuation's card carries the earlier card's training, one heading level down
        var next = Path.Combine(_dir, "next");
        new Pretrainer(Tiny(2) with { InitFrom = Path.Combine(early, "model") }, new TwoColorSource(), null, next)
            .Run(resume: false, cancel: TestContext.Current.CancellationToken);
        var nextCard = File.ReadAllText(Path.Combine(next, "model", ModelCard.FileName));
        Assert.Contains("Continues the weights of", nextCard);
        Assert.Contains("## Earlier training", nextCard);
        Assert.Contains("### Training", nextCard);
        Assert.Contains("finished early at step 6 of a 9-step schedule", nextCard);
    }

    [Fact]
    public void LoadingAModelDirectoryWithMissingFilesNamesTheFile()
    {
        Directory.CreateDirectory(_dir);
        var e = Assert.Throws<FileNotFoundException>(() => TextToImagePipeline.Load(_dir));
        Assert.Contains("model.safetensors", e.Message);
    }
}
