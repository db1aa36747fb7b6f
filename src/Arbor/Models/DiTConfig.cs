namespace Arbor.Models;

/// <summary>
/// The DiT generator: its kind (what it predicts) and its size. The defaults give about 3M parameters at 32x32 (Arbor's
/// shipped base); tests use tiny values. Architecture after Peebles &amp; Xie (DiT, adaLN-Zero) with cross-attention to
/// text. A model directory's model.yaml is this record.
/// </summary>
public sealed record DiTConfig
{
    /// <summary>
    /// flow (default: every model before the kinds existed, whose model.yaml has no <c>kind</c>) or epsilon (the same
    /// network trained to predict ε on the <see cref="Diffusion"/> schedule).
    /// </summary>
    public ModelKind Kind { get; init; } = ModelKind.Flow;
    /// <summary>
    /// An epsilon model's DDPM schedule; null (and omitted) for a flow model. An epsilon config may leave it out to take
    /// <see cref="DiffusionScheduleConfig"/>'s defaults; the model directory then records them in full.
    /// </summary>
    public DiffusionScheduleConfig? Diffusion { get; init; }
    /// <summary>Image side in pixels (square images).</summary>
    public int ImageSize { get; init; } = 32;
    /// <summary>Image channels (RGB).</summary>
    public int Channels { get; init; } = 3;
    /// <summary>Patch side: 4 gives 64 tokens at 32x32, cheap enough for CPU attention.</summary>
    public int PatchSize { get; init; } = 4;
    /// <summary>Token width.</summary>
    public int Dim { get; init; } = 128;
    /// <summary>Number of adaLN-Zero blocks.</summary>
    public int Depth { get; init; } = 6;
    /// <summary>Attention heads (Dim must divide evenly).</summary>
    public int Heads { get; init; } = 4;
    /// <summary>MLP hidden width as a multiple of Dim (DiT uses 4).</summary>
    public int MlpRatio { get; init; } = 4;
    /// <summary>The text encoder it conditions on.</summary>
    public TextEncoderConfig Text { get; init; } = new();

    /// <summary>Image tokens per sample (derived, not configurable).</summary>
    [YamlDotNet.Serialization.YamlIgnore]
    public int Tokens => (ImageSize / PatchSize) * (ImageSize / PatchSize);

    public void Validate()
    {
        if (ImageSize % PatchSize != 0) throw new ArgumentException($"image size {ImageSize} is not a multiple of patch size {PatchSize}");
        if (Dim % Heads != 0) throw new ArgumentException($"dim {Dim} is not divisible by {Heads} heads");
        if (Dim % 4 != 0) throw new ArgumentException($"dim {Dim} must be a multiple of 4 (2-D sin-cos positions)");
        if (Text.VocabSize <= 0) throw new ArgumentException("text vocabulary size must be set (from the tokenizer)");
        if (Kind == ModelKind.Flow && Diffusion is not null)
            throw new ArgumentException("a diffusion schedule is set for a flow model: it applies to kind: epsilon only");
        if (Diffusion?.Problems().ToList() is { Count: > 0 } problems)
            throw new ArgumentException("diffusion." + string.Join("; diffusion.", problems));
    }

    /// <summary>This config with an epsilon model's schedule written out (its defaults when it had none).</summary>
    public DiTConfig Resolved() => Kind == ModelKind.Epsilon && Diffusion is null ? this with { Diffusion = new() } : this;
}
