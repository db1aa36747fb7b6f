using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Models;

/// <summary>
/// A text-conditioned DiT: patchify → 2-D sin-cos positions → adaLN-Zero blocks conditioned on (timestep + pooled text)
/// with cross-attention to the text tokens → final adaLN → unpatchify to the prediction: a velocity for a flow model,
/// the noise ε for an ε-prediction model (<see cref="DiTConfig.Kind"/>; <see cref="Process"/> reads it). Owns its text
/// encoder, so one checkpoint is the whole generator.
/// </summary>
public sealed class FlowDiT : Module, IVelocityModel
{
    private readonly DiTConfig _config;
    private readonly Linear _patchEmbed, _textProj, _pooledProj, _finalModulation, _finalLinear;
    private readonly TimestepEmbedding _time;
    private readonly ModuleList<DiTBlock> _blocks;
    private readonly LayerNorm _finalNorm;
    private readonly Tensor _positions;

    public FlowDiT(DiTConfig config, Generator? generator = null)
    {
        config.Validate();
        _config = config.Resolved();
        Process = NoiseProcesses.For(_config);
        long d = config.Dim, p = config.PatchSize, c = config.Channels;
        TextEncoder = RegisterModule("text", new TextEncoder(config.Text, generator));
        _patchEmbed = RegisterModule("patch_embed", new Linear(c * p * p, d, generator: generator));
        _textProj = RegisterModule("text_proj", new Linear(config.Text.Dim, d, generator: generator));
        _pooledProj = RegisterModule("pooled_proj", new Linear(config.Text.Dim, d, generator: generator));
        _time = RegisterModule("time", new TimestepEmbedding(d, generator: generator));
        _blocks = RegisterModule("blocks", new ModuleList<DiTBlock>(
            Enumerable.Range(0, config.Depth).Select(_ => new DiTBlock(d, config.Heads, config.MlpRatio, generator))));
        _finalNorm = RegisterModule("final_norm", new LayerNorm(d, 1e-6, elementwiseAffine: false));
        _finalModulation = RegisterModule("final_adaLN", new Linear(d, 2 * d, generator: generator));
        _finalLinear = RegisterModule("final", new Linear(d, c * p * p, generator: generator));
        _positions = RegisterBuffer("positions", SinCosPositions(config.ImageSize / p, d));
        using var noGrad = Torch.NoGrad();
        foreach (var t in new[] { _finalModulation.Weight, _finalModulation.Bias!, _finalLinear.Weight, _finalLinear.Bias! })
            t.ZeroInPlace();
    }

    public DiTConfig Config => _config;
    public INoiseProcess Process { get; }
    public TextEncoder TextEncoder { get; }
    public long[] SampleShape => [_config.Channels, _config.ImageSize, _config.ImageSize];

    public Tensor Velocity(Tensor x, Tensor t, TextConditioning condition)
    {
        // one conditioning per sample: each block projects the text where it uses it (no prepared copy)
        using var scope = Torch.NewScope();
        var text = _textProj.Forward(condition.Tokens);
        return scope.MoveToOuter(Forward(x, t, _pooledProj.Forward(condition.Pooled),
            k => _blocks[k].TextKeysValues(text), condition.Mask));
    }

    /// <summary>The projected pooled vectors and every block's cross-attention keys/values of <paramref name="conditions"/>.</summary>
    public IPreparedText PrepareText(TextConditioning conditions)
    {
        using var scope = Torch.NewScope();
        var text = _textProj.Forward(conditions.Tokens);
        var pooled = scope.MoveToOuter(_pooledProj.Forward(conditions.Pooled));
        var keysValues = _blocks.Select(b => scope.MoveToOuter(b.TextKeysValues(text))).ToList();
        var mask = scope.MoveToOuter(conditions.Mask.Alias());
        return new DiTTextFeatures(this, pooled, keysValues, mask);
    }

    public Tensor Velocity(Tensor x, Tensor t, IPreparedText text, Tensor? rows)
    {
        if (text is not DiTTextFeatures f || !ReferenceEquals(f.Owner, this))
            throw new ArgumentException("the text features were prepared by another model", nameof(text));
        if (rows is null)
        {
            if (x.Size(0) != f.Rows)
                throw new ArgumentException($"x has {x.Size(0)} samples but the text features {f.Rows} rows; pass the rows to use");
            return Forward(x, t, f.Pooled, k => f.KeysValues[k], f.Mask);
        }
        using var scope = Torch.NewScope();
        return scope.MoveToOuter(Forward(x, t, f.Pooled.IndexSelect(0, rows), k => f.KeysValues[k].IndexSelect(1, rows),
            f.Mask.IndexSelect(0, rows)));
    }

    /// <summary>The DiT body; block k attends to <paramref name="textKeysValues"/>(k), taken when the block runs.</summary>
    private Tensor Forward(Tensor x, Tensor t, Tensor pooled, Func<int, Tensor> textKeysValues, Tensor textMask)
    {
        using var scope = Torch.NewScope();
        var c = _time.Forward(t) + pooled;
        var h = _patchEmbed.Forward(Patchify(x)) + _positions;
        for (int k = 0; k < _blocks.Count; k++) h = _blocks[k].ForwardPrepared(h, c, textKeysValues(k), textMask);
        var m = _finalModulation.Forward(c.Silu()).Unsqueeze(1).Chunk(2, 2);
        h = _finalLinear.Forward(DiTBlock.Modulate(_finalNorm.Forward(h), m[0], m[1]));
        return scope.MoveToOuter(Unpatchify(h));
    }

    /// <summary>[B, C, H, W] → [B, N, C·p·p], patches in row-major order.</summary>
    public Tensor Patchify(Tensor x)
    {
        using var scope = Torch.NewScope();
        long b = x.Size(0), c = _config.Channels, p = _config.PatchSize, g = _config.ImageSize / p;
        var y = x.Reshape(b, c, g, p, g, p).Permute(0, 2, 4, 1, 3, 5).Reshape(b, g * g, c * p * p);
        return scope.MoveToOuter(y);
    }

    /// <summary>Inverse of <see cref="Patchify"/>.</summary>
    public Tensor Unpatchify(Tensor tokens)
    {
        using var scope = Torch.NewScope();
        long b = tokens.Size(0), c = _config.Channels, p = _config.PatchSize, g = _config.ImageSize / p;
        var y = tokens.Reshape(b, g, g, c, p, p).Permute(0, 3, 1, 4, 2, 5).Reshape(b, c, g * p, g * p);
        return scope.MoveToOuter(y);
    }

    /// <summary>Fixed 2-D sine-cosine positions [1, g·g, D] (half the channels for rows, half for columns), as MAE/DiT.</summary>
    public static Tensor SinCosPositions(long grid, long dim)
    {
        var table = new float[grid * grid * dim];
        long quarter = dim / 4;
        for (long r = 0; r < grid; r++)
        {
            for (long col = 0; col < grid; col++)
            {
                long row = (r * grid + col) * dim;
                for (long k = 0; k < quarter; k++)
                {
                    double omega = 1.0 / Math.Pow(10000, (double)k / quarter);
                    table[row + k] = (float)Math.Sin(r * omega);
                    table[row + quarter + k] = (float)Math.Cos(r * omega);
                    table[row + 2 * quarter + k] = (float)Math.Sin(col * omega);
                    table[row + 3 * quarter + k] = (float)Math.Cos(col * omega);
                }
            }
        }
        return Torch.FromArray(table, [1, grid * grid, dim]);
    }
}
