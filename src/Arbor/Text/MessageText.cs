using System.Globalization;
using System.Text;

namespace Arbor.Text;

/// <summary>
/// User-supplied text (a prompt, a word of one) made fit to quote in an error message. Messages go to a terminal, where
/// a prompt's raw control bytes would move the cursor, recolour or clear the screen, and to logs, where a 10 000-word
/// prompt would bury the rest of the message. Control and invisible format characters (including the bidirectional
/// overrides that make text read differently than it is) become escapes such as <c>\n</c>, <c>\x1B</c> and
/// <c>\u202E</c>, and text past <see cref="MaxChars"/> characters is cut, saying how many were left out.
/// </summary>
public static class MessageText
{
    /// <summary>The characters of user text a message shows: a long prompt still reads whole, a pasted file does not.</summary>
    public const int MaxChars = 200;

    public static string Quote(string text, int maxChars = MaxChars)
    {
        ArgumentNullException.ThrowIfNull(text);
        int shown = Math.Min(text.Length, maxChars);
        if (shown < text.Length && shown > 0 && char.IsHighSurrogate(text[shown - 1])) shown--;   // never half a character
        var sb = new StringBuilder(shown + 16);
        foreach (char c in text.AsSpan(0, shown))
        {
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                default:
                    // C0, DEL and C1: all below 0xA0
                    if (char.IsControl(c)) sb.Append("\\x").Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
                    else if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
                        sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        if (shown < text.Length) sb.Append("…(").Append(text.Length - shown).Append(" more)");
        return sb.ToString();
    }
}
