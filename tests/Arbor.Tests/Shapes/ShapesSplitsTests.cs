using Arbor.Shapes;

namespace Arbor.Tests.Shapes;

public class ShapesSplitsTests
{
    private static readonly ShapesSplits Splits = new();

    private static string[] Texts(IEnumerable<PromptSpec> specs) => [.. specs.Select(s => s.ToText())];

    [Fact]
    public void SplitsAreDeterministicBySeed()
    {
        var again = new ShapesSplits(new ShapesSplitConfig());
        Assert.True(Splits.HeldOutColorShapes.SetEquals(again.HeldOutColorShapes));
        Assert.True(Splits.HeldOutPositionPairs.SetEquals(again.HeldOutPositionPairs));
        foreach (var f in TaskFamilies.All)
        {
            Assert.Equal(Texts(Splits.TestPrompts(f)), Texts(again.TestPrompts(f)));
            Assert.Equal(Texts(Splits.RlPrompts(f)), Texts(again.RlPrompts(f)));
        }

        var other = new ShapesSplits(new ShapesSplitConfig { Seed = 1 });
        Assert.NotEqual(Texts(Splits.AllTestPrompts), Texts(other.AllTestPrompts));
    }

    [Fact]
    public void HeldOutCombinationsAreSpreadOut()
    {
        var held = Splits.HeldOutColorShapes;
        Assert.Equal(4, held.Count);
        Assert.Equal(4, held.Select(p => p.Shape).Distinct().Count());
        Assert.Equal(4, held.Select(p => p.Color).Distinct().Count());
        var pairs = Splits.HeldOutPositionPairs;
        Assert.Equal(2, pairs.Count);
        Assert.Equal(4, pairs.SelectMany(p => new[] { p.A, p.B }).Distinct().Count());

        for (int n = 0; n <= 8; n++)
        {
            var s = new ShapesSplits(new ShapesSplitConfig
            {
                Seed = 3, HeldOutColorShapes = n, HeldOutPositionPairs = Math.Min(n, 3), TestPromptsPerFamily = 4, RlPromptsPerFamily = 4
            });
            Assert.Equal(n, s.HeldOutColorShapes.Count);
            Assert.All(Enum.GetValues<ShapeKind>(), shape => Assert.True(s.HeldOutColorShapes.Count(p => p.Shape == shape) <= 3));
        }

        Assert.Throws<ArgumentException>(() => new ShapesSplits(new ShapesSplitConfig { HeldOutPositionPairs = 4 }));
    }

    [Fact]
    public void TestPromptsAreFixedListsOfHeldOutCompositions()
    {
        foreach (var f in TaskFamilies.All)
        {
            var test = Splits.TestPrompts(f);
            Assert.Equal(32, test.Count);
            Assert.All(test, s => Assert.Equal(f, s.Family));
            int distinct = test.Select(s => s.ToText()).Distinct().Count();
            Assert.Equal(distinct, test.Take(distinct).Select(s => s.ToText()).Distinct().Count());   // distinct ones first
            Assert.Equal(f == TaskFamily.TwoObject ? 12 : 32, distinct);
        }

        Assert.All(Splits.TestPrompts(TaskFamily.Colors), s => Assert.True(Splits.IsHeldOut(s), s.ToText()));
        Assert.All(Splits.TestPrompts(TaskFamily.ColorAttr), s => Assert.True(Splits.IsHeldOut(s), s.ToText()));
        Assert.All(Splits.TestPrompts(TaskFamily.Position), s =>
            Assert.Contains(new ShapePair(s.Clauses[0].Shape, s.Clauses[1].Shape), Splits.HeldOutPositionPairs));
    }

    [Fact]
    public void ValidationPromptsAreDrawnLikeRlPromptsAndAvoidThemWhereTheFamilyHasTextsToSpare()
    {
        var again = new ShapesSplits(new ShapesSplitConfig());
        var other = new ShapesSplits(new ShapesSplitConfig { Seed = 9 });
        foreach (var f in TaskFamilies.All)
        {
            var validation = Splits.ValidationPrompts(f);
            Assert.Equal(64, validation.Count);
            Assert.Equal(Texts(validation), Texts(again.ValidationPrompts(f)));
            Assert.All(validation, s => Assert.True(Splits.IsTrain(s), s.ToText()));
            Assert.All(validation, s => Assert.Equal(f, s.Family));
            var rl = Texts(Splits.RlPrompts(f)).ToHashSet();
            Assert.Equal(validation.Count(s => rl.Contains(s.ToText())), Splits.ValidationSharedWithRl(f));
            // never a test text where the family's validation texts are its own
            if (Splits.ValidationSharedWithRl(f) == 0) Assert.Empty(Texts(validation).Intersect(Texts(Splits.TestPrompts(f))));
        }
        // colors, color_attr and position have hundreds of train texts: fully disjoint from the RL prompts
        foreach (var f in new[] { TaskFamily.Colors, TaskFamily.ColorAttr, TaskFamily.Position })
        {
            Assert.Equal(0, Splits.ValidationSharedWithRl(f));
            Assert.Equal(64, Texts(Splits.ValidationPrompts(f)).Distinct().Count());
        }
        // two_object has 12 texts, all of them RL prompts: the same texts, to be evaluated with other seeds
        Assert.Equal(64, Splits.ValidationSharedWithRl(TaskFamily.TwoObject));
        Assert.NotEqual(Texts(Splits.ValidationPrompts(TaskFamily.Colors)), Texts(other.ValidationPrompts(TaskFamily.Colors)));
    }

    [Fact]
    public void RlPromptsAreTrainSplitAndAvoidTestPrompts()
    {
        foreach (var f in TaskFamilies.All)
        {
            var rl = Splits.RlPrompts(f);
            Assert.Equal(64, rl.Count);
            Assert.All(rl, s => Assert.True(Splits.IsTrain(s), s.ToText()));
            Assert.All(rl, s => Assert.Equal(f, s.Family));
            if (f != TaskFamily.TwoObject) Assert.Empty(Texts(rl).Intersect(Texts(Splits.TestPrompts(f))));
        }
    }

    [Fact]
    public void HeldOutCombinationsNeverOccurInPretrainingCaptions()
    {
        var captioner = Splits.Captioner();
        var testTexts = new HashSet<string>(Texts(TaskFamilies.All.Where(f =>
            f is TaskFamily.Colors or TaskFamily.ColorAttr or TaskFamily.Position).SelectMany(Splits.TestPrompts)));
        int heldOutInImages = 0;
        for (int i = 0; i < 20_000; i++)
        {
            var example = captioner.Sample(i);
            var caption = PromptSpec.Parse(example.Text);    // what a model reads
            foreach (var c in caption.Clauses)
            {
                if (c.Color is { } color) Assert.DoesNotContain(new ColorShape(color, c.Shape), Splits.HeldOutColorShapes);
            }

            if (caption.Relation is not null)
                Assert.DoesNotContain(new ShapePair(caption.Clauses[0].Shape, caption.Clauses[1].Shape), Splits.HeldOutPositionPairs);
            Assert.DoesNotContain(example.Text, testTexts);
            if (example.Scene.Objects.Any(o => Splits.HeldOutColorShapes.Contains(new ColorShape(o.Color, o.Shape)))) heldOutInImages++;
        }

        // Held-out pairs are never captioned, but the images show them under captions that do not bind them.
        Assert.True(heldOutInImages > 500, $"{heldOutInImages}");
    }

    [Fact]
    public void EverySplitPromptIsInTheVocabulary()
    {
        var words = ShapesVocabulary.Words.ToHashSet();
        foreach (var s in Splits.AllTestPrompts.Concat(Splits.AllRlPrompts))
            Assert.All(ShapesVocabulary.SplitWords(s.ToText()), w => Assert.Contains(w, words));
    }
}
