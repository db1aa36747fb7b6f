using Arbor.Shapes;
using Arbor.Tensors;
using Arbor.Text;

namespace Arbor.Tests.Text;

public class WordTokenizerTests
{
    private static readonly WordTokenizer Tok = new(ShapesVocabulary.Words);

    [Fact]
    public void EncodesWithBosAndDecodesBack()
    {
        var ids = Tok.Encode("A red circle and a yellow cross.");
        Assert.Equal(WordTokenizer.BosId, ids[0]);
        Assert.Equal(8, ids.Length);
        Assert.Equal("a red circle and a yellow cross", Tok.Decode(ids));
        Assert.Equal([WordTokenizer.BosId], Tok.Encode(""));   // the unconditional prompt
    }

    [Fact]
    public void UnknownWordIsAnErrorNamingIt()
    {
        var e = Assert.Throws<ArgumentException>(() => Tok.Encode("a magenta circle"));
        Assert.Contains("'magenta'", e.Message);
    }

    [Fact]
    public void BatchPadsAndMasksAndRejectsTooLongPrompts()
    {
        using var scope = Torch.NewScope();
        var (ids, mask) = Tok.EncodeBatch(["a circle", ""], 6);
        Assert.Equal(new long[] { 2, 6 }, ids.Shape);
        Assert.Equal([true, true, true, false, false, false, true, false, false, false, false, false], mask.ToBoolArray());
        Assert.Equal(0, ids.ToLongArray()[5]);
        var e = Assert.Throws<ArgumentException>(() => Tok.EncodeBatch(["a red circle and a yellow cross"], 4));
        Assert.Contains("more than the model's 4", e.Message);
    }
}
