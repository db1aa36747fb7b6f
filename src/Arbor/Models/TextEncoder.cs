using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Models;

/// <summary>Size of the text encoder. Defaults are Arbor's (small: the Shapes vocabulary is closed).</summary>
public sealed record TextEncoderConfig
{
    /// <summary>Vocabulary size, set from the tokenizer.</summary>
    public int VocabSize { get; init; }
    /// <summary>Longest token sequence, BOS included (Shapes prompts are at most ~12 words).</summary>
    public int MaxTokens { get; init; } = 16;
    /// <summary>Width of the token embeddings.</summary>
    public int Dim { get; init; } = 128;
    /// <summary>Transformer encoder layers.</summary>
    public int Depth { get; init; } = 2;
    /// <summary>Attention heads.</summary>
    public int Heads { get; init; } = 4;
}

/// <summary>
/// A small pre-LN transformer encoder over word tokens: per-token embeddings and a pooled vector (mean
/// of the real tokens). Trained with the DiT in pretraining, frozen during RL.
/// </summary>
public sealed class TextEncoder : Module
{
    private readonly Embedding _tokens, _positions;
    private readonly ModuleList<EncoderLayer> _layers;
    private readonly LayerNorm _norm;

    public TextEncoder(TextEncoderConfig config, Generator? generator = null)
    {
        Config = config;
        _tokens = RegisterModule("tokens", new Embedding(config.VocabSize, config.Dim, generator));
        _positions = RegisterModule("positions", new Embedding(config.MaxTokens, config.Dim, generator));
        _layers = RegisterModule("layers", new ModuleList<EncoderLayer>(
            Enumerable.Range(0, config.Depth).Select(_ => new EncoderLayer(config.Dim, config.Heads, generator))));
        _norm = RegisterModule("norm", new LayerNorm(config.Dim));
        using var noGrad = Torch.NoGrad();
        _tokens.Weight.MulInPlace(0.02);      // GPT-style small embeddings keep early attention soft
        _positions.Weight.MulInPlace(0.02);
    }

    public TextEncoderConfig Config { get; }

    /// <summary>Encodes token ids [B, L] with mask [B, L] (true = real token).</summary>
    public TextConditioning Encode(Tensor ids, Tensor mask)
    {
        using var scope = Torch.NewScope();
        long length = ids.Size(1);
        if (length > Config.MaxTokens)
            throw new ArgumentException($"{length} tokens exceed the text encoder's maximum of {Config.MaxTokens}");
        var x = _tokens.Forward(ids) + _positions.Forward(Torch.Arange(length, device: ids.Device)).Unsqueeze(0);
        foreach (var layer in _layers) x = layer.Forward(x, mask);
        x = _norm.Forward(x);
        var m = mask.To(DType.Float32).Unsqueeze(2);
        var pooled = (x * m).Sum(1) / m.Sum(1);
        var maskCopy = mask.Alias();
        return new TextConditioning(scope.MoveToOuter(x), scope.MoveToOuter(maskCopy), scope.MoveToOuter(pooled));
    }

    private sealed class EncoderLayer : Module
    {
        private readonly LayerNorm _norm1, _norm2;
        private readonly MultiHeadAttention _attn;
        private readonly Linear _fc1, _fc2;

        public EncoderLayer(long dim, long heads, Generator? generator)
        {
            _norm1 = RegisterModule("norm1", new LayerNorm(dim));
            _attn = RegisterModule("attn", new MultiHeadAttention(dim, heads, dim, generator));
            _norm2 = RegisterModule("norm2", new LayerNorm(dim));
            _fc1 = RegisterModule("fc1", new Linear(dim, 4 * dim, generator: generator));
            _fc2 = RegisterModule("fc2", new Linear(4 * dim, dim, generator: generator));
        }

        public Tensor Forward(Tensor x, Tensor mask)
        {
            using var scope = Torch.NewScope();
            var h = _norm1.Forward(x);
            x = x + _attn.Forward(h, h, mask);
            x = x + _fc2.Forward(_fc1.Forward(_norm2.Forward(x)).Gelu());
            return scope.MoveToOuter(x);
        }
    }
}
