using Arbor.Shapes;

namespace Arbor.Tests.Shapes;

public class PromptGrammarTests
{
    public static TheoryData<TaskFamily> Families() => [.. TaskFamilies.All];

    [Theory]
    [MemberData(nameof(Families))]
    public void TextToSpecToTextRoundTrips_AndKeepsTheFamily(TaskFamily family)
    {
        var texts = new HashSet<string>();
        for (int i = 0; i < 300; i++)
        {
            var spec = ShapesTestKit.Prompt(family, 1, i);
            Assert.Equal(family, spec.Family);
            string text = spec.ToText();
            var parsed = PromptSpec.Parse(text);
            Assert.Equal(spec, parsed);
            Assert.Equal(spec.GetHashCode(), parsed.GetHashCode());
            Assert.Equal(text, parsed.ToText());
            Assert.Equal(family, parsed.Family);
            texts.Add(text);
        }

        Assert.True(texts.Count >= 12, $"only {texts.Count} distinct {family.Name()} prompts");
    }

    [Theory]
    [InlineData("a circle", TaskFamily.SingleObject)]
    [InlineData("a small square on the left", TaskFamily.SingleObject)]
    [InlineData("a red circle", TaskFamily.Colors)]
    [InlineData("a large blue triangle at the bottom", TaskFamily.Colors)]
    [InlineData("a circle and a cross", TaskFamily.TwoObject)]
    [InlineData("a red circle and a yellow cross", TaskFamily.ColorAttr)]
    [InlineData("three green triangles", TaskFamily.Counting)]
    [InlineData("two squares", TaskFamily.Counting)]
    [InlineData("four small cyan crosses", TaskFamily.Counting)]
    [InlineData("a purple square to the left of a cyan circle", TaskFamily.Position)]
    [InlineData("a square to the right of a circle", TaskFamily.Position)]
    [InlineData("a cross above a triangle", TaskFamily.Position)]
    [InlineData("a yellow cross below a green circle", TaskFamily.Position)]
    [InlineData("a square in the center", TaskFamily.SingleObject)]
    [InlineData("a cyan cross at the top", TaskFamily.Colors)]
    public void CanonicalTextsParseToTheirFamilyAndBack(string text, TaskFamily family)
    {
        var spec = PromptSpec.Parse(text);
        Assert.Equal(family, spec.Family);
        Assert.Equal(text, spec.ToText());
    }

    [Fact]
    public void ParsesEveryPart()
    {
        var spec = PromptSpec.Parse("a purple square to the left of a cyan circle");
        Assert.Equal(Relation.LeftOf, spec.Relation);
        Assert.Equal(new ObjectClause(ShapeKind.Square, ShapeColor.Purple), spec.Clauses[0]);
        Assert.Equal(new ObjectClause(ShapeKind.Circle, ShapeColor.Cyan), spec.Clauses[1]);

        var counting = PromptSpec.Parse("four small green crosses");
        Assert.Equal(new ObjectClause(ShapeKind.Cross, ShapeColor.Green, 4, SizeClass.Small), Assert.Single(counting.Clauses));

        var region = PromptSpec.Parse("a large red triangle at the top");
        Assert.Equal(new ObjectClause(ShapeKind.Triangle, ShapeColor.Red, 1, SizeClass.Large, Region.Top), Assert.Single(region.Clauses));
        Assert.Equal(Relation.Below, PromptSpec.Parse("a circle below a square").Relation);
        Assert.Equal(Relation.RightOf, PromptSpec.Parse("a circle to the right of a square").Relation);
    }

    [Fact]
    public void ParserIgnoresCaseAndPunctuationAndAcceptsAn()
    {
        Assert.Equal("a red circle and a yellow cross", PromptSpec.Parse("  A Red circle, and a YELLOW cross. ").ToText());
        Assert.Equal("a circle", PromptSpec.Parse("an circle").ToText());
    }

    [Theory]
    [InlineData("a red dog", "dog")]
    [InlineData("a circle next to a square", "next")]
    [InlineData("five circles", "five")]
    [InlineData("a big circle", "big")]
    [InlineData("a circle left-of a square", "left-of")]
    public void UnknownWordsAreNamed(string text, string word)
    {
        var e = Assert.Throws<PromptParseException>(() => PromptSpec.Parse(text));
        Assert.Equal(word, e.Word);
        Assert.Contains($"'{word}'", e.Message);
        Assert.Contains("unknown word", e.Message);
        Assert.Equal(text, e.Prompt);
    }

    [Theory]
    [InlineData("circle", "circle")]              // no determiner
    [InlineData("a red", null)]                   // ends early
    [InlineData("a circles", "circles")]          // plural after "a"
    [InlineData("three circle", "circle")]        // singular after a number
    [InlineData("a red blue circle", "blue")]     // two colors
    [InlineData("a red circle a square", "a")]    // missing "and"
    [InlineData("a circle to the top of a square", "top")]
    [InlineData("a circle on the top", "top")]
    [InlineData("a circle and a square and a cross", "and")]
    [InlineData("a red small circle", "small")]   // size goes before color
    public void MisplacedWordsAreNamed(string text, string? word)
    {
        var e = Assert.Throws<PromptParseException>(() => PromptSpec.Parse(text));
        Assert.Equal(word, e.Word);
        if (word is not null) Assert.Contains($"'{word}'", e.Message);
        Assert.DoesNotContain("unknown word", e.Message);
    }

    [Theory]
    [InlineData("a circle and a circle")]
    [InlineData("two circles and a square")]
    [InlineData("two circles on the left")]
    [InlineData("a circle on the left and a square")]
    [InlineData("")]
    public void PromptsBreakingAGrammarRuleAreRejected(string text)
    {
        var e = Assert.Throws<PromptParseException>(() => PromptSpec.Parse(text));
        Assert.Null(e.Word);
    }

    [Fact]
    public void SpecConstructorEnforcesTheRules()
    {
        Assert.Throws<ArgumentException>(() => new PromptSpec([]));
        Assert.Throws<ArgumentException>(() => new PromptSpec(new ObjectClause(ShapeKind.Circle, Count: 5)));
        Assert.Throws<ArgumentException>(() => new PromptSpec(new ObjectClause(ShapeKind.Circle), new ObjectClause(ShapeKind.Circle)));
        Assert.Throws<ArgumentException>(() => new PromptSpec([new ObjectClause(ShapeKind.Circle)], Relation.Above));
        Assert.Throws<ArgumentException>(() => new PromptSpec(new ObjectClause(ShapeKind.Circle, Count: 2, Region: Region.Left)));
    }

    [Fact]
    public void VocabularyIsClosedSortedAndCoversEveryGeneratedPrompt()
    {
        var words = ShapesVocabulary.Words;
        Assert.Equal(words.Order(StringComparer.Ordinal), words);
        Assert.Equal(words.Count, words.Distinct().Count());
        string[] required =
        [
            "a", "an", "and", "the", "of", "to", "left", "right", "above", "below", "on", "at", "in", "top", "bottom", "center",
            "two", "three", "four", "small", "large", "red", "green", "blue", "yellow", "purple", "cyan",
            "circle", "circles", "square", "squares", "triangle", "triangles", "cross", "crosses",
        ];
        Assert.Equal(required.Order(StringComparer.Ordinal), words);

        var used = new HashSet<string>();
        foreach (var family in TaskFamilies.All)
        {
            for (int i = 0; i < 300; i++)
            {
                foreach (var w in ShapesVocabulary.SplitWords(ShapesTestKit.Prompt(family, 2, i).ToText()))
                {
                    Assert.Contains(w, words);
                    used.Add(w);
                }
            }
        }

        // Every word but the alternative article "an" is produced by the grammar.
        Assert.Equal(words.Where(w => w != "an").Order(StringComparer.Ordinal), used.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void LongestPromptFitsTheTextEncoder()
    {
        // Default TextEncoderConfig.MaxTokens is 16 including BOS.
        var longest = PromptSpec.Parse("a small purple triangle to the right of a large yellow cross");
        Assert.Equal(12, ShapesVocabulary.SplitWords(longest.ToText()).Length);
    }

    [Fact]
    public void GrammarIsDeterministicAndCoversTheOptions()
    {
        for (int i = 0; i < 50; i++)
        {
            Assert.Equal(ShapesTestKit.Prompt(TaskFamily.Position, 3, i), ShapesTestKit.Prompt(TaskFamily.Position, 3, i));
        }

        var singles = Enumerable.Range(0, 400).Select(i => ShapesTestKit.Prompt(TaskFamily.Colors, 4, i).Clauses[0]).ToList();
        Assert.Contains(singles, c => c.Size is not null);
        Assert.Contains(singles, c => c.Region is not null);
        Assert.Contains(singles, c => c.Size is null && c.Region is null);
        var counts = Enumerable.Range(0, 400).Select(i => ShapesTestKit.Prompt(TaskFamily.Counting, 4, i).Clauses[0].Count).ToHashSet();
        Assert.Equal([2, 3, 4], counts.Order());
        var relations = Enumerable.Range(0, 400).Select(i => ShapesTestKit.Prompt(TaskFamily.Position, 4, i).Relation!.Value).ToHashSet();
        Assert.Equal(4, relations.Count);
        var attr = Enumerable.Range(0, 200).Select(i => ShapesTestKit.Prompt(TaskFamily.ColorAttr, 4, i));
        Assert.All(attr, s => Assert.NotEqual(s.Clauses[0].Color, s.Clauses[1].Color));
    }

    [Fact]
    public void FamilyNamesAreGenEvalTags()
    {
        Assert.Equal(["single_object", "colors", "two_object", "color_attr", "counting", "position"],
            TaskFamilies.All.Select(f => f.Name()));
        Assert.Equal(TaskFamily.ColorAttr, TaskFamilies.Parse("color_attr"));
        Assert.Contains("position", Assert.Throws<ArgumentException>(() => TaskFamilies.Parse("spatial")).Message);
    }
}
