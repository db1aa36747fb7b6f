using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Pretraining;
using Arbor.Rollouts;
using Arbor.Tensors;
using Arbor.TestKit;
using Arbor.Tests.Pretraining;
using Arbor.Tests.Training;
using Arbor.Training;

namespace Arbor.Tests.Models;

/// <summary>The two model kinds: what each means, what a model directory records, and the errors of using one as the other.</summary>
public sealed class ModelKindTests : IDisposable
{
    private readonly TempDirectory _temp = new("arbor-kind-");
    public void Dispose() => _temp.Dispose();

    public static TheoryData<string> Kinds => ["flow", "epsilon", "cosine"];

    private static INoiseProcess Process(string name) => name switch
    {
        "flow" => FlowMatchingProcess.Instance,
        "epsilon" => new DdpmProcess(new DiffusionScheduleConfig()),
        _ => new DdpmProcess(new DiffusionScheduleConfig { Schedule = AlphaBarShape.Cosine, Timesteps = 200 }),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void NoisingThenReadingTheTargetGivesBackTheImage(string kind)
    {
        // x̂0(x_t, target) = x0 and the prediction that denoises x_t to x0 is the training target, at any t in (0, 1]
        using var scope = Torch.NewScope();
        using var gen = new Generator(31);
        var process = Process(kind);
        var x0 = Torch.Rand([4, 3, 2, 2], gen) * 2 - 1;
        var eps = Torch.Randn([4, 3, 2, 2], gen);
        var t = Torch.FromArray(new float[] { 0.05f, 0.3f, 0.77f, 0.99f });
        var xt = process.Noised(x0, eps, t);
        var target = process.Target(x0, eps, t);
        var back = process.CleanEstimate(xt, target, t).ToFloatArray();
        var want = x0.ToFloatArray();
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(back[i] - want[i]) < 1e-3, $"{kind} element {i}: {back[i]} vs {want[i]}");
        var denoising = process.PredictionFor(xt, x0, t).ToFloatArray();
        var targets = target.ToFloatArray();
        for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(denoising[i] - targets[i]) < 1e-3, $"{kind} element {i}");
        // x̂0 is affine in the prediction with slope CleanEstimateSlope(t)
        var moved = process.CleanEstimate(xt, target + 1, t).ToFloatArray();
        var slopes = new[] { 0.05, 0.3, 0.77, 0.99 }.Select(v => process.CleanEstimateSlope((float)v)).ToArray();
        for (int i = 0; i < want.Length; i++)
            Assert.True(Math.Abs(moved[i] - back[i] - slopes[i / 12]) < 2e-3 * Math.Max(1, Math.Abs(slopes[i / 12])), $"{kind} slope {i}");
    }

    [Fact]
    public void AModelDirectoryRecordsItsKindAndAnOldOneWithoutAKindIsAFlowModel()
    {
        var flow = GrpoTrainerTests.SaveTinyBaseInto(_temp.Path);
        var eps = GrpoTrainerTests.SaveTinyBaseInto(_temp.Path, ModelKind.Epsilon);
        Assert.Contains("kind: flow", File.ReadAllText(Path.Combine(flow, TextToImagePipeline.ConfigFile)));
        var yaml = File.ReadAllText(Path.Combine(eps, TextToImagePipeline.ConfigFile));
        Assert.Contains("kind: epsilon", yaml);
        Assert.Contains("timesteps: 1000", yaml);          // the schedule written out in full, not left to a default
        using (var loaded = TextToImagePipeline.Load(eps, expected: ModelKind.Epsilon))
        {
            var process = Assert.IsType<DdpmProcess>(loaded.Model.Process);
            Assert.Equal(new DiffusionScheduleConfig(), process.Config);
        }

        // a model.yaml written before the kinds existed has no `kind`: the shipped base's, for one
        var old = Path.Combine(_temp.Path, "old");
        Directory.CreateDirectory(old);
        foreach (var f in Directory.GetFiles(flow)) File.Copy(f, Path.Combine(old, Path.GetFileName(f)));
        var lines = File.ReadAllLines(Path.Combine(old, TextToImagePipeline.ConfigFile))
            .Where(l => !l.StartsWith("kind:") && !l.StartsWith("diffusion:")).ToList();
        File.WriteAllLines(Path.Combine(old, TextToImagePipeline.ConfigFile), lines);
        Assert.Equal(ModelKind.Flow, TextToImagePipeline.ReadKind(old));
        using var oldModel = TextToImagePipeline.Load(old, expected: ModelKind.Flow);
        Assert.Same(FlowMatchingProcess.Instance, oldModel.Model.Process);
    }

    [Fact]
    public void ADiffusionScheduleOnAFlowModelOrABadScheduleIsAConfigErrorNamingTheKey()
    {
        var flow = Assert.Throws<Arbor.Configuration.ConfigException>(() => Arbor.Configuration.ConfigLoader.Parse<PretrainConfig>(
            "model:\n  diffusion:\n    timesteps: 100\n", "p.yaml"));
        Assert.Contains("model.diffusion applies to model.kind: epsilon only", flow.Message);
        var bad = Assert.Throws<Arbor.Configuration.ConfigException>(() => Arbor.Configuration.ConfigLoader.Parse<PretrainConfig>(
            "model:\n  kind: epsilon\n  diffusion:\n    schedule: cosine\n    max_beta: 1.5\n", "p.yaml"));
        Assert.Contains("model.diffusion.max_beta must be in (0, 1)", bad.Message);
        var unknown = Assert.Throws<Arbor.Configuration.ConfigException>(() => Arbor.Configuration.ConfigLoader.Parse<PretrainConfig>(
            "model:\n  kind: ddpm\n", "p.yaml"));
        Assert.Contains("line 2", unknown.Message);
    }

    [Fact]
    public void LoadingAModelAsTheOtherKindFailsNamingBoth()
    {
        var flow = GrpoTrainerTests.SaveTinyBaseInto(_temp.Path);
        var eps = GrpoTrainerTests.SaveTinyBaseInto(_temp.Path, ModelKind.Epsilon);
        var e = Assert.Throws<ModelKindMismatchException>(() => TextToImagePipeline.Load(eps, expected: ModelKind.Flow));
        Assert.Equal($"model directory '{eps}' holds an ε-prediction diffusion (epsilon) model (the kind in its model.yaml), but it " +
            "was loaded as a flow-matching (flow) model", e.Message);
        var r = Assert.Throws<ModelKindMismatchException>(() => TextToImagePipeline.Load(flow, expected: ModelKind.Epsilon));
        Assert.Contains("holds a flow-matching (flow) model", r.Message);
        Assert.Contains("loaded as an ε-prediction diffusion (epsilon) model", r.Message);

        // pretraining that continues a model of the other kind
        var cfg = PretrainerTests.Tiny(1) with { InitFrom = flow, Model = PretrainerTests.Tiny(1).Model with { Kind = ModelKind.Epsilon } };
        var p = Assert.Throws<ModelKindMismatchException>(() =>
            new Pretrainer(cfg, new TwoColorSource(), null, Path.Combine(_temp.Path, "pre")).Run(resume: false,
                cancel: TestContext.Current.CancellationToken));
        Assert.Contains("holds a flow-matching (flow) model", p.Message);
    }

    [Fact]
    public void AFlowStepOnAnEpsilonModelIsRefusedBeforeTheRunTouchesAnything()
    {
        var eps = GrpoTrainerTests.SaveTinyBaseInto(_temp.Path, ModelKind.Epsilon);
        var run = Path.Combine(_temp.Path, "run");
        var flowConfig = GrpoTrainerTests.Config(eps, 1);          // flow_grpo with its default step, Flow-GRPO's SDE
        var e = Assert.Throws<ModelKindMismatchException>(() =>
            new GrpoTrainer(flowConfig, run).Run(resume: false, cancel: TestContext.Current.CancellationToken));
        Assert.Equal($"the flow_grpo_sde step is for a flow-matching (flow) model, but '{eps}' is an ε-prediction diffusion " +
            "(epsilon) model: sample it with sde_kind: ddim", e.Message);
        Assert.False(Directory.Exists(run));
        var heun = flowConfig with
        {
            FlowGrpo = flowConfig.FlowGrpo with { SdeKind = Arbor.Sampling.Steps.SdeKind.Ddim },
            Rollout = flowConfig.Rollout with { OdeSolver = Arbor.Sampling.OdeSolver.Heun },
        };
        var h = Assert.Throws<ModelKindMismatchException>(() =>
            new GrpoTrainer(heun, run).Run(resume: false, cancel: TestContext.Current.CancellationToken));
        Assert.Contains("rollout.ode_solver: heun", h.Message);

        // and the reverse: DDIM on a flow model, refused by the engine itself too
        var flow = GrpoTrainerTests.SaveTinyBaseInto(_temp.Path);
        var ddim = GrpoTrainerTests.Config(flow, 1) with
        {
            FlowGrpo = flowConfig.FlowGrpo with { SdeKind = Arbor.Sampling.Steps.SdeKind.Ddim, NoiseLevel = 1.0 },
        };
        Assert.Throws<ModelKindMismatchException>(() =>
            new GrpoTrainer(ddim, run).Run(resume: false, cancel: TestContext.Current.CancellationToken));
        using var pipeline = TextToImagePipeline.Load(flow);
        using var conditioning = new PromptConditioning(pipeline, ["a red circle"], 1.0);
        using var gen = new Generator(1);
        Assert.Throws<ModelKindMismatchException>(() => new RolloutEngine(pipeline, new RolloutConfig())
            .Run(["a red circle"], StrategyRegistry.Create(ddim), conditioning, gen));
    }

    [Fact]
    public void AnEpsilonBaseTrainsEndToEnd()
    {
        // a whole `arbor train` on an ε-model: DDIM rollouts and training, its evaluation by deterministic DDIM, the report
        var eps = GrpoTrainerTests.SaveTinyBaseInto(_temp.Path, ModelKind.Epsilon);
        var config = GrpoTrainerTests.Config(eps, 2) with
        {
            Strategy = "dynamic_tree",
            DynamicTree = new Arbor.Strategies.DynamicTree.DynamicTreeConfig
            {
                Steps = 4, Depth = 2, LastWindowStart = 1, SdeKind = Arbor.Sampling.Steps.SdeKind.Ddim, NoiseLevel = 1.0,
                LayerTuningForm = Arbor.Strategies.DynamicTree.LayerTuningForm.LeafNft,
            },
            Eval = GrpoTrainerTests.Config(eps, 2).Eval with { Every = 2 },
        };
        var run = Path.Combine(_temp.Path, "run");
        var trainer = new GrpoTrainer(config, run);
        trainer.Run(resume: false, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(2, trainer.Evaluations.Count);
        Assert.True(File.Exists(Path.Combine(run, "report.html")));
        var lines = File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .Where(e => e.GetProperty("kind").GetString() == "train").ToList();
        Assert.Equal(2, lines.Count);
        Assert.All(lines, l => Assert.True(double.IsFinite(l.GetProperty("loss").GetDouble())));
    }
}
