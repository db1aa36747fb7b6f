using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Pretraining;
using Arbor.Tensors;
using Arbor.TestKit;

namespace Arbor.Tests.Pretraining;

/// <summary>`arbor pretrain` of an ε-prediction model: the same world, captions, dropout and CFG, DDPM's loss and timesteps.</summary>
public sealed class EpsilonPretrainingTests : IDisposable
{
    private readonly TempDirectory _temp = new("arbor-eps-pretrain-");
    // not created: the pretrainer makes its output directory, as for a fresh --out
    private readonly string _dir;
    public EpsilonPretrainingTests() => _dir = Path.Combine(_temp.Path, "run");
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ATinyEpsilonModelsLossFallsAndItsDirectoryRecordsTheKindAndSchedule()
    {
        var tiny = PretrainerTests.Tiny(40);
        var config = tiny with
        {
            Model = tiny.Model with
            {
                Kind = ModelKind.Epsilon,
                Diffusion = new DiffusionScheduleConfig { Schedule = AlphaBarShape.Cosine, Timesteps = 500 },
            },
        };
        var losses = new List<double>();
        var trainer = new Pretrainer(config, new TwoColorSource(), null, _dir);
        trainer.StepCompleted += r => losses.Add(r.Loss);
        trainer.Run(resume: false, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(40, losses.Count);
        // an untrained ε-model predicts about 0, so its loss starts near E[ε²] = 1
        Assert.InRange(losses.Take(5).Average(), 0.5, 1.5);
        Assert.True(losses.TakeLast(5).Average() < 0.6 * losses.Take(5).Average(),
            $"loss {losses.Take(5).Average():F3} → {losses.TakeLast(5).Average():F3}");

        using var pipeline = TextToImagePipeline.Load(trainer.ModelDirectory, expected: ModelKind.Epsilon);
        var process = Assert.IsType<DdpmProcess>(pipeline.Model.Process);
        Assert.Equal(AlphaBarShape.Cosine, process.Config.Schedule);
        Assert.Equal(500, process.Timesteps);
        Assert.Contains("ε-prediction diffusion", File.ReadAllText(Path.Combine(trainer.ModelDirectory, ModelCard.FileName)));
        using var scope = Torch.NewScope();
        using var gen = new Generator(0);
        var images = pipeline.Generate(["a red square", "a blue square"], gen, steps: 10, guidance: 2.0);   // deterministic DDIM
        Assert.All(images.ToFloatArray(), v => Assert.True(float.IsFinite(v) && v >= -1 && v <= 1));
    }

    [Fact]
    public void EpsilonTrainingTimesAreUniformOverTheTrainingTimesteps()
    {
        var process = new DdpmProcess(new DiffusionScheduleConfig { Timesteps = 10 });
        using var gen = new Generator(5);
        using var scope = Torch.NewScope();
        var t = DenoisingObjective.SampleTimes(process, 20000, 0, 1, gen).ToDoubleArray();
        var counts = t.GroupBy(v => (int)Math.Round(v * 10)).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(Enumerable.Range(1, 10), counts.Keys.Order());          // n in {1, …, N}: never the data itself
        Assert.All(counts.Values, c => Assert.InRange(c, 1800, 2200));        // 2,000 expected each, SD 42
    }

    [Fact]
    public void ResumingAPretrainingRunAsTheOtherKindFailsNamingBoth()
    {
        new Pretrainer(PretrainerTests.Tiny(3), new TwoColorSource(), null, _dir).Run(resume: false,
            cancel: TestContext.Current.CancellationToken);
        var tiny = PretrainerTests.Tiny(6);
        var eps = tiny with { Model = tiny.Model with { Kind = ModelKind.Epsilon } };
        var e = Assert.Throws<ModelKindMismatchException>(() =>
            new Pretrainer(eps, new TwoColorSource(), null, _dir).Run(resume: true, cancel: TestContext.Current.CancellationToken));
        Assert.Contains("holds a flow-matching (flow) model, but this run's model.kind makes an ε-prediction diffusion (epsilon) model",
            e.Message);
    }
}
