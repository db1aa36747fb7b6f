namespace Arbor.Shapes;

/// <summary>
/// A prompt the Shapes grammar cannot read. The message names the offending word (and what was expected
/// there), so a user who types "a dog" learns that "dog" is the problem, not just that parsing failed.
/// </summary>
public sealed class PromptParseException : FormatException
{
    public PromptParseException(string message, string prompt, string? word, int? wordIndex, Exception? inner = null)
        : base(message, inner)
    {
        Prompt = prompt;
        Word = word;
        WordIndex = wordIndex;
    }

    /// <summary>The text that failed to parse.</summary>
    public string Prompt { get; }

    /// <summary>The word at fault, or null when the prompt ended early or broke a rule of the whole prompt.</summary>
    public string? Word { get; }

    /// <summary>Zero-based index of <see cref="Word"/> among the prompt's words, when there is one.</summary>
    public int? WordIndex { get; }
}
