using Arbor.Shapes;

namespace Arbor.Training;

/// <summary>
/// Pretraining-data replay during RL (`replay:`): InstructGPT's PPO-ptx for a generator. Each optimizer step adds
/// weight · the pretraining loss of the model's kind on a batch of the world's own captioned images to the RL loss, so the update is
/// pulled toward the data distribution the base was trained on rather than toward the base's weights (which a KL or
/// reference pull does, shrinking what the rewards teach with the drift: docs/BENCHMARKS.md, nft's drift levers).
/// Off by default (weight 0).
/// </summary>
public sealed record ReplayConfig
{
    /// <summary>λ of the replay term, per optimizer step; 0 = off. (InstructGPT's
    /// γ on the pretraining loss: 27.8 for their PPO-ptx.)</summary>
    public double Weight { get; init; }

    /// <summary>
    /// The regression target: <c>data</c> (default, the pretraining loss) or <c>base</c> (the base model's prediction at
    /// the same noised input, a noise-free form of the same pull; <see cref="ReplayTarget"/>).
    /// </summary>
    public ReplayTarget Target { get; init; } = ReplayTarget.Data;

    /// <summary>Images per optimizer step (the whole replay batch over all ranks).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>Captions dropped to "" as in pretraining, so the unconditional velocity CFG uses stays anchored too.</summary>
    public double CaptionDropout { get; init; } = 0.1;

    /// <summary>Time sampling as in pretraining: t = sigmoid(N(mean, std)) (a flow model's; an ε-model draws its timesteps
    /// uniformly, as its pretraining did, and ignores both).</summary>
    public double LogitNormalMean { get; init; }

    public double LogitNormalStd { get; init; } = 1.0;

    /// <summary>
    /// The captions' mixture: the shipped base's stage-4 pretraining mixture (configs/pretrain-shapes-stage4.yaml:
    /// extra_object 0.02, omit_object 0.05, region_probability 0.5), so the replay is the data the base last saw.
    /// </summary>
    public PretrainMixture Mixture { get; init; } = new()
    {
        ExtraObject = 0.02, OmitObject = 0.05, Grammar = new PromptGrammarOptions { RegionProbability = 0.5 },
    };

    public IEnumerable<string> Problems()
    {
        if (!double.IsFinite(Weight) || Weight < 0) yield return $"replay.weight must be a finite number >= 0 (got {Weight})";
        if (BatchSize < 1) yield return $"replay.batch_size must be >= 1 (got {BatchSize})";
        if (CaptionDropout is < 0 or > 1 || double.IsNaN(CaptionDropout)) yield return "replay.caption_dropout must be in [0, 1]";
        if (!double.IsFinite(LogitNormalStd) || LogitNormalStd <= 0) yield return "replay.logit_normal_std must be > 0";
        foreach (var p in Mixture.Problems()) yield return "replay.mixture." + p;
    }
}
