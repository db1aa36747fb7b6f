using System.Text.Json.Nodes;
using Arbor.Models;
using Arbor.Pretraining;
using Arbor.Sampling;
using Arbor.Tensors;
using Arbor.Tensors.Optim;
using Arbor.Tensors.Serialization;

namespace Arbor.Cli.Bench;

/// <summary>
/// Settings of `arbor bench model`; the same values are passed to bench/python/model_bench.py. The model
/// defaults to Arbor's default <see cref="DiTConfig"/> (the shipped base), the workload to pretraining's.
/// </summary>
public sealed record ModelBenchSettings
{
    public int Threads { get; init; } = Environment.ProcessorCount;
    public int Reps { get; init; } = 5;
    /// <summary>The Shapes world's tokenizer size (its words with pad and BOS): the shipped base's text vocabulary.</summary>
    public static int ShapesVocabularySize { get; } = new Arbor.Text.WordTokenizer(Arbor.Shapes.ShapesVocabulary.Words).VocabSize;

    /// <summary>The DiT, with the Shapes world's text vocabulary (so the RL rollout can encode real prompts).</summary>
    public DiTConfig Model { get; init; } = new() { Text = new TextEncoderConfig { VocabSize = ShapesVocabularySize } };
    /// <summary>Images per pretraining step (PretrainOptimConfig's default).</summary>
    public int Batch { get; init; } = 64;
    /// <summary>Optimizer steps per timed repetition.</summary>
    public int TrainSteps { get; init; } = 2;
    public double LearningRate { get; init; } = 1e-3;
    public double WeightDecay { get; init; } = 0.01;
    public double GradClip { get; init; } = 1.0;
    /// <summary>Images per guided sampling call; each step is one forward of 2·SampleBatch (CFG).</summary>
    public int SampleBatch { get; init; } = 32;
    public int SampleSteps { get; init; } = 10;
    public double Guidance { get; init; } = 4.5;
    public ulong Seed { get; init; }

    /// <summary>A tiny configuration for smoke tests (seconds, not minutes).</summary>
    public static ModelBenchSettings Quick(int threads) => new()
    {
        Threads = threads,
        Model = new DiTConfig
        {
            Dim = 32,
            Depth = 1,
            Text = new TextEncoderConfig { VocabSize = ShapesVocabularySize, Dim = 32, Depth = 1 }
        },
        Batch = 4,
        TrainSteps = 1,
        SampleBatch = 4,
        SampleSteps = 2,
    };
}

/// <param name="RolloutImageStepsPerSecond">
/// A Flow-GRPO rollout through <see cref="Arbor.Rollouts.RolloutEngine"/> at the sampling batch (SampleBatch/8 prompts
/// x G = 8, SampleSteps SDE steps with log-probabilities, CFG): what RL's rollout phase gets out of the same forwards.
/// </param>
public sealed record ModelBenchResult(Sample TrainImagesPerSecond, Sample SampleImageStepsPerSecond,
    Sample RolloutImageStepsPerSecond, long Parameters)
{
    /// <summary>Pools the samples of two rounds.</summary>
    public ModelBenchResult Concat(ModelBenchResult o) => new(
        TrainImagesPerSecond.Concat(o.TrainImagesPerSecond), SampleImageStepsPerSecond.Concat(o.SampleImageStepsPerSecond),
        RolloutImageStepsPerSecond.Concat(o.RolloutImageStepsPerSecond), Parameters);
}

/// <summary>
/// Arbor's flow DiT vs the same model in PyTorch eager: pretraining throughput (images/s: one step is
/// text encode, x_t, velocity, MSE, backward, grad clip, AdamW, as <see cref="Pretrainer"/>) and guided
/// sampling throughput (image-steps/s = B·steps / s of a CFG Euler loop, as TextToImagePipeline.Generate).
/// </summary>
public static class ModelBenchmark
{
    public const string Script = "bench/python/model_bench.py";

    /// <summary>Parameters of the benchmarked model, without running anything.</summary>
    public static long ParameterCount(ModelBenchSettings s)
    {
        using var model = new FlowDiT(s.Model);
        return model.ParameterCount();
    }

    /// <summary>
    /// The benchmark's prompts as token ids [B, L] and mask [B, L]: BOS, then 0–14 word ids, then padding.
    /// Deterministic, and written the same way in model_bench.py (token_ids).
    /// </summary>
    public static (Tensor Ids, Tensor Mask) TokenIds(int batch, int maxTokens, int vocab)
    {
        var ids = new long[batch * maxTokens];
        var mask = new bool[batch * maxTokens];
        for (int b = 0; b < batch; b++)
        {
            int real = 1 + (5 * b + 3) % (maxTokens - 1);
            for (int i = 0; i < real; i++)
            {
                ids[b * maxTokens + i] = i == 0 ? 1 : 2 + (7 * b + 13 * i) % (vocab - 2);
                mask[b * maxTokens + i] = true;
            }
        }
        using var scope = Torch.NewScope();
        var idsT = Torch.FromArray(ids, [batch, maxTokens]);
        var maskT = Torch.FromArray(mask, [batch, maxTokens]);
        return (scope.MoveToOuter(idsT), scope.MoveToOuter(maskT));
    }

    /// <summary>The empty prompt (BOS alone) for a batch, as classifier-free guidance uses it.</summary>
    public static (Tensor Ids, Tensor Mask) EmptyPrompt(int batch, int maxTokens)
    {
        var ids = new long[batch * maxTokens];
        var mask = new bool[batch * maxTokens];
        for (int b = 0; b < batch; b++)
        {
            ids[b * maxTokens] = 1;
            mask[b * maxTokens] = true;
        }
        using var scope = Torch.NewScope();
        var idsT = Torch.FromArray(ids, [batch, maxTokens]);
        var maskT = Torch.FromArray(mask, [batch, maxTokens]);
        return (scope.MoveToOuter(idsT), scope.MoveToOuter(maskT));
    }

    public static ModelBenchResult RunArbor(ModelBenchSettings s)
    {
        TorchRuntime.SetThreads(s.Threads, s.Threads);
        Torch.ManualSeed(s.Seed);
        using var data = Torch.NewScope();
        var cfg = s.Model;
        using var init = new Generator(s.Seed);
        using var model = new FlowDiT(cfg, init);
        using var rng = new Generator(s.Seed + 1);
        long[] shape = [cfg.Channels, cfg.ImageSize, cfg.ImageSize];

        // ---- pretraining: as Pretrainer.Run, minus data loading, caption dropout, LR schedule and EMA ----
        model.Train();
        using var optimizer =
            new AdamW(model.NamedParameters(), new AdamWOptions { LearningRate = s.LearningRate, WeightDecay = s.WeightDecay });
        var x0 = Torch.Rand([s.Batch, .. shape], init) * 2 - 1;
        var (ids, mask) = TokenIds(s.Batch, cfg.Text.MaxTokens, cfg.Text.VocabSize);
        var parameters = model.Parameters(trainableOnly: true).ToList();
        void TrainStep()
        {
            using var scope = Torch.NewScope();
            var t = DenoisingObjective.SampleTimes(s.Batch, 0.0, 1.0, rng);
            var noise = Torch.RandnLike(x0, rng);
            using var condition = model.TextEncoder.Encode(ids, mask);
            var loss = DenoisingObjective.Loss(model, x0, t, noise, condition);
            optimizer.ZeroGrad();
            loss.Backward();
            GradClip.ClipByGlobalNorm(parameters, s.GradClip);
            loss.Item();
            optimizer.Step();
        }
        var train = Measure.Seconds(() =>
        {
            for (int i = 0; i < s.TrainSteps; i++) TrainStep();
        }, s.Reps).Map(sec => s.Batch * s.TrainSteps / sec);

        // ---- sampling: as TextToImagePipeline.Generate (GuidedVelocity + EulerSampler) ----
        model.Eval();
        var (sids, smask) = TokenIds(s.SampleBatch, cfg.Text.MaxTokens, cfg.Text.VocabSize);
        var (uids, umask) = EmptyPrompt(s.SampleBatch, cfg.Text.MaxTokens);
        var schedule = TimeSchedule.Linear(s.SampleSteps);
        var sampler = new EulerSampler();
        var sample = Measure.Seconds(() =>
        {
            using var noGrad = Torch.NoGrad();
            using var scope = Torch.NewScope();
            var noise = Torch.Randn([s.SampleBatch, .. shape], rng);
            using var cond = model.TextEncoder.Encode(sids, smask);
            using var uncond = model.TextEncoder.Encode(uids, umask);
            using var velocity = new GuidedVelocity(model, cond, uncond, s.Guidance);
            sampler.Sample(velocity, noise, schedule).Clamp(-1, 1);
        }, s.Reps).Map(sec => (double)s.SampleBatch * s.SampleSteps / sec);

        // ---- RL rollout: Flow-GRPO through the rollout engine, the same images per forward as sampling ----
        const int group = 8;
        var tokenizer = new Arbor.Text.WordTokenizer(Arbor.Shapes.ShapesVocabulary.Words);
        var pipeline = new Arbor.Pipelines.TextToImagePipeline(model, tokenizer);   // borrows the model: not disposed here
        string[] palette = ["a red circle", "a blue square", "two green triangles", "a yellow cross to the left of a purple circle"];
        var prompts = Enumerable.Range(0, Math.Max(1, s.SampleBatch / group)).Select(i => palette[i % palette.Length]).ToList();
        var strategy =
            new Arbor.Strategies.FlowGrpoStrategy(new Arbor.Strategies.FlowGrpoConfig { Steps = s.SampleSteps, GroupSize = group });
        var engine = new Arbor.Rollouts.RolloutEngine(pipeline,
            new Arbor.Rollouts.RolloutConfig { Guidance = s.Guidance, MaxBatch = prompts.Count * group });
        var rollout = Measure.Seconds(() =>
        {
            using var conditioning = new Arbor.Rollouts.PromptConditioning(pipeline, prompts, s.Guidance);
            using var forest = engine.Run(prompts, strategy, conditioning, rng);
        }, s.Reps).Map(sec => (double)prompts.Count * group * s.SampleSteps / sec);

        return new ModelBenchResult(train, sample, rollout, model.ParameterCount());
    }

    /// <summary>
    /// Writes a correctness fixture for the PyTorch side: a model with random (non-zero) weights, its
    /// state dict, four prompts (one the empty prompt) with images and times, and Arbor's velocity and
    /// pooled text. model_bench.py loads the weights strictly by Arbor's names and compares.
    /// </summary>
    public static void WriteCheck(ModelBenchSettings s, string path)
    {
        TorchRuntime.SetThreads(s.Threads, s.Threads);   // as the PyTorch side, so the sums run in the same order
        using var scope = Torch.NewScope();
        var cfg = s.Model;
        using var gen = new Generator(s.Seed + 7);
        using var model = new FlowDiT(cfg, gen);
        var random = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in model.NamedParameters())   // unit-scale activations, so a wrong op shows
            random[name] = Torch.Randn(p.Shape, gen) * (p.Dim == 2 ? 1 / Math.Sqrt(p.Size(1)) : 0.5);
        model.LoadStateDict(random, strict: false);
        model.Eval();

        var (cids, cmask) = TokenIds(3, cfg.Text.MaxTokens, cfg.Text.VocabSize);
        var (uids, umask) = EmptyPrompt(1, cfg.Text.MaxTokens);
        var ids = Torch.Cat([cids, uids]);
        var mask = Torch.Cat([cmask, umask]);
        var x = Torch.Randn([4, cfg.Channels, cfg.ImageSize, cfg.ImageSize], gen);
        var t = Torch.Rand([4], gen);
        using var noGrad = Torch.NoGrad();
        var condition = model.TextEncoder.Encode(ids, mask);
        var v = model.Velocity(x, t, condition);

        var tensors = new Dictionary<string, Tensor>(model.StateDict(), StringComparer.Ordinal)
        {
            ["input.ids"] = ids,
            ["input.mask"] = mask,
            ["input.x"] = x,
            ["input.t"] = t,
            ["output.v"] = v,
            ["output.pooled"] = condition.Pooled,
        };
        Safetensors.Save(path, tensors);
    }

    /// <summary>Runs bench/python/model_bench.py with the same settings; null (with a reason) when it cannot run.</summary>
    public static (JsonObject? Result, string? Problem) RunPyTorch(ModelBenchSettings s, string python,
        long expectParameters, string? checkFile)
    {
        var m = s.Model;
        var args = new List<string>
        {
            "--threads", $"{s.Threads}", "--reps", $"{s.Reps}", "--seed", $"{s.Seed}",
            "--image-size", $"{m.ImageSize}", "--channels", $"{m.Channels}", "--patch", $"{m.PatchSize}",
            "--dim", $"{m.Dim}", "--depth", $"{m.Depth}", "--heads", $"{m.Heads}", "--mlp-ratio", $"{m.MlpRatio}",
            "--vocab", $"{m.Text.VocabSize}", "--max-tokens", $"{m.Text.MaxTokens}", "--text-dim", $"{m.Text.Dim}",
            "--text-depth", $"{m.Text.Depth}", "--text-heads", $"{m.Text.Heads}",
            "--batch", $"{s.Batch}", "--train-steps", $"{s.TrainSteps}",
            "--lr", s.LearningRate.ToString("R"), "--weight-decay", s.WeightDecay.ToString("R"), "--grad-clip", s.GradClip.ToString("R"),
            "--sample-batch", $"{s.SampleBatch}", "--sample-steps", $"{s.SampleSteps}", "--guidance", s.Guidance.ToString("R"),
            "--expect-params", $"{expectParameters}",
        };
        if (checkFile is not null) args.AddRange(["--check", checkFile]);
        return PythonReference.Run(python, Script, args, s.Threads);
    }

    /// <summary>Pools the sample arrays of two PyTorch rounds (the first round's check is kept).</summary>
    public static JsonObject Concat(JsonObject a, JsonObject b) =>
        PythonReference.Concat(a, b, "train_images_per_s", "sample_image_steps_per_s");

    public static Sample SampleOf(JsonObject o, string key) => PythonReference.SampleOf(o, key);

    /// <summary>Per round, the ratio of the two sides' medians (rounds paired in order).</summary>
    public static Sample RoundRatios(IEnumerable<Sample> arbor, IEnumerable<Sample> pytorch) =>
        new([.. arbor.Zip(pytorch, (a, t) => a.Median / t.Median)]);
}
