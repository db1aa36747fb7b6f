using Arbor.Configuration;
using Arbor.Evaluation;
using Arbor.Models;
using Arbor.Shapes;
using Arbor.Tensors;

namespace Arbor.Pretraining;

/// <summary>
/// `arbor pretrain` settings (configs/pretrain-shapes.yaml). Every default is what the shipped
/// models/shapes-base was trained with unless the YAML says otherwise.
/// </summary>
public sealed record PretrainConfig : IValidatedConfig
{
    /// <summary>Seed of initialization, noise, timesteps and caption dropout.</summary>
    public ulong Seed { get; init; }
    /// <summary>Start from this model directory's weights instead of a random
    /// init (continue training with a fresh schedule); empty = random.</summary>
    public string InitFrom { get; init; } = "";
    /// <summary>Lets init_from name a model of the other kind (flow weights for an ε-model, or the reverse): a
    /// parametrization conversion, as Stable Diffusion 2's v-prediction model was fine-tuned from its ε-prediction base.
    /// The warm weights first predict the other kind's target; the run re-learns the output and keeps what the network
    /// knows of the world. Default false: a model of the other kind is refused, naming both.</summary>
    public bool InitFromOtherKind { get; init; }
    /// <summary>The DiT (its text vocabulary size is set from the data's vocabulary).</summary>
    public DiTConfig Model { get; init; } = new();
    public PretrainDataConfig Data { get; init; } = new();
    public PretrainOptimConfig Train { get; init; } = new();
    public EvalConfig Eval { get; init; } = new() { Every = 500 };
    /// <summary>Steps between checkpoints (atomic; `--resume` continues from the latest).</summary>
    public int CheckpointEvery { get; init; } = 250;
    /// <summary>Steps between metric lines in metrics.jsonl.</summary>
    public int LogEvery { get; init; } = 10;

    public IEnumerable<string> Problems()
    {
        if (CheckpointEvery < 1) yield return "checkpoint_every must be >= 1";
        if (LogEvery < 1) yield return "log_every must be >= 1";
        if (InitFromOtherKind && InitFrom.Length == 0) yield return "init_from_other_kind needs init_from (the model to convert)";
        if (Model.Kind == ModelKind.Flow && Model.Diffusion is not null)
            yield return "model.diffusion applies to model.kind: epsilon only (a flow model has no DDPM schedule)";
        foreach (var p in Model.Diffusion?.Problems() ?? []) yield return "model.diffusion." + p;
        foreach (var p in Train.Problems()) yield return "train." + p;
        foreach (var p in Eval.Problems()) yield return "eval." + p;
        foreach (var p in Data.Problems()) yield return "data." + p;
    }
}

/// <summary>Where pretraining images and captions come from.</summary>
public sealed record PretrainDataConfig
{
    /// <summary>The world: only "shapes" ships with Arbor.</summary>
    public string World { get; init; } = "shapes";
    /// <summary>The train/test split (its seed fixes the held-out combinations and test prompts).</summary>
    public ShapesSplitConfig Split { get; init; } = new();
    /// <summary>How often each caption family appears in pretraining (compositional captions are rare).</summary>
    public PretrainMixture Mixture { get; init; } = new();

    public IEnumerable<string> Problems()
    {
        if (World != "shapes") yield return $"world '{World}' is unknown (expected shapes)";
        foreach (var p in Split.Problems()) yield return "split." + p;
        foreach (var p in Mixture.Problems()) yield return "mixture." + p;
    }
}

/// <summary>Optimization of the flow-matching objective (ALGORITHMS.md §1).</summary>
public sealed record PretrainOptimConfig
{
    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 3000;
    /// <summary>Images per step.</summary>
    public int BatchSize { get; init; } = 64;
    /// <summary>Peak AdamW learning rate (small DiTs tolerate more than DiT-XL's 1e-4).</summary>
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>Linear warm-up steps before the cosine decay.</summary>
    public int WarmupSteps { get; init; } = 200;
    /// <summary>Learning rate at the end of the cosine.</summary>
    public double MinLearningRate { get; init; } = 5e-5;
    /// <summary>AdamW decoupled weight decay.</summary>
    public double WeightDecay { get; init; } = 0.01;
    /// <summary>Global gradient-norm clip.</summary>
    public double GradClip { get; init; } = 1.0;
    /// <summary>EMA decay of the weights used for evaluation and shipping.</summary>
    public double EmaDecay { get; init; } = 0.998;
    /// <summary>Probability a caption is replaced by the empty prompt, so CFG works (SD3: 0.1).</summary>
    public double CaptionDropout { get; init; } = 0.1;
    /// <summary>Logit-normal timestep sampling t = sigmoid(N(mean, std²)) (SD3: mean 0, std 1).</summary>
    public double LogitNormalMean { get; init; }
    public double LogitNormalStd { get; init; } = 1.0;
    /// <summary>
    /// The element type of each step's matrix products (<see cref="ComputePrecision"/>): fp32 (default, what the shipped
    /// models/shapes-base was trained in), or bf16 (inputs and weights cast for each product of the DiT and its text
    /// encoder, float32 accumulation, the product cast back; the master weights, their gradients, AdamW's moments, the
    /// EMA, norms, softmax, the noise, the timesteps and the loss stay float32). The held-out evaluations run in
    /// eval.precision, so a pretraining run's numbers compare with any other's whatever it trained in. bf16 pays only on
    /// CPUs with bf16 matrix units (AMX, avx512_bf16) and is many times slower elsewhere: `arbor bench precision`
    /// measures a training step in both here. auto = bf16 where the CPU has those units, fp32 elsewhere (the same choice
    /// on the same machine, so a seeded run still repeats bit for bit there).
    /// </summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    public IEnumerable<string> Problems()
    {
        if (Steps < 1) yield return "steps must be >= 1";
        if (BatchSize < 1) yield return "batch_size must be >= 1";
        if (LearningRate <= 0) yield return "learning_rate must be > 0";
        if (CaptionDropout is < 0 or > 1) yield return "caption_dropout must be in [0, 1]";
        if (EmaDecay is < 0 or >= 1) yield return "ema_decay must be in [0, 1)";
        if (LogitNormalStd <= 0) yield return "logit_normal_std must be > 0";
    }
}

