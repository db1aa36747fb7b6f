using Arbor.Shapes;
using Arbor.Text;

namespace Arbor.Tests.Text;

public class MessageTextTests
{
    [Theory]
    [InlineData("a red circle", "a red circle")]
    [InlineData("café ✓ 😀", "café ✓ 😀")]                                        // printable text is left as it is
    [InlineData("a \u001b[2Jred circle\n", "a \\x1B[2Jred circle\\n")]            // ESC: clear screen
    [InlineData("tab\there\r\u0007\u007f\u009b", "tab\\there\\r\\x07\\x7F\\x9B")]  // C0, DEL and C1 (the one-byte CSI)
    [InlineData("abc\u202edcba", "abc\\u202Edcba")]                                // a right-to-left override reads as what it is
    public void ControlAndFormatCharactersBecomeEscapes(string text, string quoted) => Assert.Equal(quoted, MessageText.Quote(text));

    [Fact]
    public void LongTextIsCutSayingHowMuchWasLeftOut()
    {
        Assert.Equal(new string('a', 200), MessageText.Quote(new string('a', 200)));
        Assert.Equal(new string('a', 200) + "…(50 more)", MessageText.Quote(new string('a', 250)));
        // the cut never splits a surrogate pair: the emoji goes whole into the count
        Assert.Equal(new string('a', 199) + "…(3 more)", MessageText.Quote(new string('a', 199) + "😀b"));
    }

    [Fact]
    public void APromptsErrorMessagesQuoteItSafelyAndTheExceptionKeepsItWhole()
    {
        var prompt = "a \u001b[31mred\u0007 circle " + string.Concat(Enumerable.Repeat("and ", 500));
        var e = Assert.Throws<PromptParseException>(() => PromptSpec.Parse(prompt));
        Assert.StartsWith("unknown word '\\x1B[31mred\\x07' (word 2) in prompt \"a \\x1B[31mred\\x07 circle and and", e.Message);
        Assert.DoesNotContain('\u001b', e.Message);
        Assert.Contains($"…({prompt.Length - 200} more)\"", e.Message);
        Assert.Equal(prompt, e.Prompt);   // the reward server finds the prompt's index by it

        var t = Assert.Throws<ArgumentException>(() => new WordTokenizer(ShapesVocabulary.Words).Encode("a red\u001b[2J circle"));
        Assert.StartsWith("unknown word 'red\\x1B[2j' in prompt \"a red\\x1B[2J circle\"", t.Message);
    }
}
