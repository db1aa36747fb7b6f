using Arbor.Configuration;
using Arbor.Imaging;
using Arbor.Models;
using Arbor.Sampling;
using Arbor.Tensors;
using Arbor.Tensors.Serialization;
using Arbor.Text;

namespace Arbor.Pipelines;

/// <summary>
/// A generator ready to use: the DiT (with its text encoder) and its tokenizer, loaded from or saved to
/// a model directory:
/// <code>
///   model.safetensors   weights
///   model.yaml          the DiTConfig, its kind (flow or epsilon, with an epsilon model's schedule) included
///   vocabulary.txt      the tokenizer's words, one per line
///   model-card.md       what it is and how well it does (written by pretraining)
/// </code>
/// </summary>
public sealed class TextToImagePipeline : IDisposable
{
    public const string WeightsFile = "model.safetensors";
    public const string ConfigFile = "model.yaml";
    public const string VocabularyFile = "vocabulary.txt";

    public TextToImagePipeline(FlowDiT model, WordTokenizer tokenizer)
    {
        if (model.Config.Text.VocabSize != tokenizer.VocabSize)
        {
            throw new ArgumentException($"model vocabulary size {model.Config.Text.VocabSize} does not match the tokenizer's " +
                $"{tokenizer.VocabSize}");
        }
        Model = model;
        Tokenizer = tokenizer;
    }

    public FlowDiT Model { get; }
    public WordTokenizer Tokenizer { get; }
    public int MaxTokens => Model.Config.Text.MaxTokens;

    /// <summary>Creates a fresh (untrained) pipeline whose text encoder matches <paramref name="tokenizer"/>.</summary>
    public static TextToImagePipeline Create(DiTConfig config, WordTokenizer tokenizer, Generator? generator = null) =>
        new(new FlowDiT(config with { Text = config.Text with { VocabSize = tokenizer.VocabSize } }, generator), tokenizer);

    /// <summary>Encodes prompts ("" is the unconditional prompt used by classifier-free guidance).</summary>
    public TextConditioning Encode(IReadOnlyList<string> prompts)
    {
        using var scope = Torch.NewScope();
        var (ids, mask) = Tokenizer.EncodeBatch(prompts, MaxTokens);
        var c = Model.TextEncoder.Encode(ids, mask);
        scope.MoveToOuter(c.Tokens, c.Mask, c.Pooled);
        return c;
    }

    /// <summary>
    /// Images [B, C, H, W] in [−1, 1] for <paramref name="prompts"/>, from noise drawn from
    /// <paramref name="generator"/> (so a seed reproduces the images), by an ODE sampler with CFG (default: the model
    /// kind's first-order one, Euler or deterministic DDIM).
    /// </summary>
    public Tensor Generate(IReadOnlyList<string> prompts, Generator generator, int steps = 40, double guidance = 4.5,
        IOdeSampler? sampler = null, double shift = 1.0, UnconditionalBranch unconditional = UnconditionalBranch.Adapted)
    {
        using var scope = Torch.NewScope();
        return scope.MoveToOuter(Generate(prompts, Noise(prompts.Count, generator), steps, guidance, sampler, shift, unconditional));
    }

    /// <summary>Initial noise x_T [count, C, H, W] drawn from <paramref name="generator"/>.</summary>
    public Tensor Noise(int count, Generator generator) => Torch.Randn([count, .. Model.SampleShape], generator);

    /// <summary>
    /// Images [B, C, H, W] in [−1, 1] for <paramref name="prompts"/> from the given initial noise [B, C, H, W];
    /// <paramref name="unconditional"/>: which model predicts CFG's unconditional branch when a LoRA adapts this one;
    /// <paramref name="guidanceUntil"/>: guidance only at times above it (0: every step).
    /// </summary>
    public Tensor Generate(IReadOnlyList<string> prompts, Tensor noise, int steps = 40, double guidance = 4.5,
        IOdeSampler? sampler = null, double shift = 1.0, UnconditionalBranch unconditional = UnconditionalBranch.Adapted,
        double guidanceUntil = 0)
    {
        if (noise.Shape[0] != prompts.Count) throw new ArgumentException($"{noise.Shape[0]} noise samples for {prompts.Count} prompts");
        using var noGrad = Torch.NoGrad();
        using var folded = AdapterFolding.Folded(Model);
        using var scope = Torch.NewScope();
        using var cond = Encode(prompts);
        using var uncond = guidance != 1.0 ? Encode(Enumerable.Repeat("", prompts.Count).ToList()) : null;
        using var velocity = new GuidedVelocity(Model, cond, uncond, guidance,
            unconditional == UnconditionalBranch.Base ? new AdapterFreeModel(Model) : null)
        {
            GuidanceUntil = guidanceUntil
        };
        var schedule = TimeSchedule.Linear(steps, shift, Model.Process);
        var x = (sampler ?? OdeSamplers.For(OdeSolver.Euler, Model.Process.Kind)).Sample(velocity, noise, schedule);
        return scope.MoveToOuter(x.Clamp(-1, 1));
    }

    /// <summary>Converts [B, C, H, W] images in [−1, 1] to 8-bit images.</summary>
    public static Image8[] ToImages(Tensor images)
    {
        var s = images.Shape;
        return ImageConvert.FromNchwFloats(images.ToFloatArray(), (int)s[0], (int)s[1], (int)s[2], (int)s[3], ImageConvert.MinusOneToOne);
    }

    // ---- persistence ----

    public void Save(string directory, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Directory.CreateDirectory(directory);
        Safetensors.Save(Path.Combine(directory, WeightsFile), Model.StateDict(), metadata);
        File.WriteAllText(Path.Combine(directory, ConfigFile), ConfigLoader.ToYaml(Model.Config));
        File.WriteAllLines(Path.Combine(directory, VocabularyFile), Tokenizer.Words.Skip(2));
    }

    /// <summary>
    /// Loads a model directory; a missing file or weights that do not match the config are errors naming them. With
    /// <paramref name="expected"/>, a model of the other kind is an error naming both (<see cref="ModelKindMismatchException"/>)
    /// before any weights load.
    /// </summary>
    public static TextToImagePipeline Load(string directory, ModelKind? expected = null)
    {
        foreach (var f in new[] { WeightsFile, ConfigFile, VocabularyFile })
        {
            if (!File.Exists(Path.Combine(directory, f)))
                throw new FileNotFoundException($"model directory '{directory}' has no {f}", Path.Combine(directory, f));
        }
        var config = ConfigLoader.Load<DiTConfig>(Path.Combine(directory, ConfigFile));
        if (expected is { } kind && kind != config.Kind)
        {
            throw new ModelKindMismatchException($"model directory '{directory}' holds {ModelKinds.Describe(config.Kind)} " +
                $"(the kind in its {ConfigFile}), but it was loaded as {ModelKinds.Describe(kind)}");
        }
        var tokenizer = new WordTokenizer(File.ReadAllLines(Path.Combine(directory, VocabularyFile)).Where(l => l.Length > 0));
        var pipeline = new TextToImagePipeline(new FlowDiT(config), tokenizer);
        try
        {
            using var scope = Torch.NewScope();
            var weights = Safetensors.Load(Path.Combine(directory, WeightsFile));
            pipeline.Model.LoadStateDict(weights);
        }
        catch (ArgumentException e)
        {
            pipeline.Dispose();
            throw new InvalidDataException($"weights in '{directory}' do not match its {ConfigFile}: {e.Message}", e);
        }
        return pipeline;
    }

    /// <summary>The kind a model directory's model.yaml records (flow when it names none), read without loading weights.</summary>
    public static ModelKind ReadKind(string directory) => ConfigLoader.Load<DiTConfig>(Path.Combine(directory, ConfigFile)).Kind;

    public void Dispose() => Model.Dispose();
}
