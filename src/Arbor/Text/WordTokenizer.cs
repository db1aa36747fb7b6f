using Arbor.Tensors;

namespace Arbor.Text;

/// <summary>
/// Word-level tokenizer over a closed vocabulary (the Shapes world's words). Id 0 is padding, id 1 the
/// BOS token every sequence starts with (so the empty prompt, used for classifier-free guidance, is
/// one real token and attention never has nothing to attend to). An unknown word is an error naming it.
/// </summary>
public sealed class WordTokenizer
{
    public const int PadId = 0;
    public const int BosId = 1;
    private readonly Dictionary<string, int> _ids;
    private readonly string[] _words;

    public WordTokenizer(IEnumerable<string> vocabulary)
    {
        _words = ["<pad>", "<bos>", .. vocabulary.Select(Normalize).Distinct().Order(StringComparer.Ordinal)];
        _ids = _words.Select((w, i) => (w, i)).ToDictionary(p => p.w, p => p.i, StringComparer.Ordinal);
    }

    public int VocabSize => _words.Length;
    public IReadOnlyList<string> Words => _words;

    private static string Normalize(string w) => w.Trim().ToLowerInvariant();

    /// <summary>Splits on whitespace, lowercases and drops sentence punctuation.</summary>
    public static string[] SplitWords(string text) =>
        text.ToLowerInvariant().Split([' ', '\t', '\n', '\r', ',', '.', ';', '!', '?'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>BOS followed by the ids of the words of <paramref name="text"/>.</summary>
    public int[] Encode(string text)
    {
        var words = SplitWords(text);
        var ids = new int[words.Length + 1];
        ids[0] = BosId;
        for (int i = 0; i < words.Length; i++)
        {
            if (!_ids.TryGetValue(words[i], out var id))
            {
                throw new ArgumentException($"unknown word '{MessageText.Quote(words[i])}' in prompt \"{MessageText.Quote(text)}\" (not " +
                    $"in the {VocabSize - 2}-word vocabulary)");
            }
            ids[i + 1] = id;
        }
        return ids;
    }

    public string Decode(IEnumerable<int> ids) =>
        string.Join(' ', ids.Where(i => i > BosId).Select(i =>
            i < _words.Length ? _words[i] : throw new ArgumentOutOfRangeException(nameof(ids), i, "token id outside the vocabulary")));

    /// <summary>
    /// Token ids [B, maxTokens] (int64) and mask [B, maxTokens] (bool, true = real token) for a batch
    /// of prompts; a prompt longer than <paramref name="maxTokens"/> is an error naming it.
    /// </summary>
    public (Tensor Ids, Tensor Mask) EncodeBatch(IReadOnlyList<string> prompts, int maxTokens, Device? device = null)
    {
        var ids = new long[prompts.Count * maxTokens];
        var mask = new bool[prompts.Count * maxTokens];
        for (int b = 0; b < prompts.Count; b++)
        {
            var seq = Encode(prompts[b]);
            if (seq.Length > maxTokens)
            {
                throw new ArgumentException($"prompt \"{MessageText.Quote(prompts[b])}\" has {seq.Length} tokens, more than the " +
                    $"model's {maxTokens}");
            }
            for (int i = 0; i < seq.Length; i++)
            {
                ids[b * maxTokens + i] = seq[i];
                mask[b * maxTokens + i] = true;
            }
        }
        using var scope = Torch.NewScope();
        var idsT = Torch.FromArray(ids, [prompts.Count, maxTokens], device);
        var maskT = Torch.FromArray(mask, [prompts.Count, maxTokens], device);
        return (scope.MoveToOuter(idsT), scope.MoveToOuter(maskT));
    }
}
