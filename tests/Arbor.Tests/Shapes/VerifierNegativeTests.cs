using Arbor.Shapes;

namespace Arbor.Tests.Shapes;

/// <summary>
/// Each negative renders a scene for a changed prompt and verifies it against the original one. The change is
/// confirmed on the scene graph (the original prompt really is false of the scene) before the verifier is asked.
/// </summary>
public class VerifierNegativeTests(ITestOutputHelper output)
{
    private const int Cases = 150;
    private static readonly ShapeKind[] Shapes = Enum.GetValues<ShapeKind>();

    private static readonly string[] KindNames =
        ["color", "swapped_colors", "count", "shape", "flipped_relation", "perpendicular_relation", "size", "region",
            "missing_object", "extra_object"];

    public static TheoryData<string> Kinds() => [.. KindNames];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void NegativesFailStrictly(string kind)
    {
        foreach (int size in new[] { 32, 64 })
        {
            int failed = 0;
            for (int i = 0; i < Cases; i++)
            {
                // string hashes vary by process
                var rng = ShapesRng.Derive(50 + (ulong)size, (ulong)Array.IndexOf(KindNames, kind), (ulong)i);
                var (original, negative, extra) = MakeNegative(kind, rng);
                var (scene, image) = ShapesTestKit.Render(negative, (ulong)i, size, extra);
                Assert.False(ShapesTestKit.Holds(scene, original), $"negative '{negative}' (+{extra}) does not contradict '{original}'");
                Assert.True(ShapesTestKit.Holds(scene, negative, exact: extra == 0));
                var result = ShapesTestKit.Verifier.Verify(image, original);
                if (!result.Pass) failed++;
                else output.WriteLine($"passed a negative: {original} rendered as {negative}\n{result.Describe()}");
                Assert.True(result.Score < 1);
            }

            output.WriteLine($"{kind} @ {size}px: {failed}/{Cases} rejected");
            Assert.Equal(Cases, failed);
        }
    }

    [Fact]
    public void PartialCreditIsExact()
    {
        var v = ShapesTestKit.Verifier;
        double Score(string prompt, string rendered, int extra = 0) =>
            v.Verify(ShapesTestKit.Render(PromptSpec.Parse(rendered), 7, extraObjects: extra).Image, PromptSpec.Parse(prompt)).Score;

        Assert.Equal(1.0, Score("a red circle", "a red circle"));
        Assert.Equal(1 / 3.0, Score("a red circle", "a blue circle"), 9);              // object ✓, color ✗, count ✗
        Assert.Equal(0.0, Score("a red circle", "a red square"));                      // no circle at all
        Assert.Equal(0.5, Score("a circle and a cross", "a circle"));                  // one clause of two
        Assert.Equal(2 / 3.0, Score("a circle to the left of a cross", "a circle to the right of a cross"), 9);
        Assert.Equal(0.5, Score("a circle", "a circle", extra: 1));                   // right, but half the objects are extra
        Assert.Equal(1 / 3.0, Score("three circles", "two circles"), 9);               // 2/3 of the circles, wrong count
        Assert.Equal(0.5, Score("three circles", "four circles"));                    // all three there, wrong count
        Assert.Equal(1 / 3.0, Score("a small circle", "a large circle"), 9);          // object ✓, size ✗, count ✗
        Assert.Equal(1 / 3.0, Score("a red circle and a yellow cross", "a yellow circle and a red cross"), 9); // both bindings wrong

        var result = v.Verify(ShapesTestKit.Render(PromptSpec.Parse("a blue circle"), 7).Image, PromptSpec.Parse("a red circle"));
        Assert.Equal(["object", "color", "count"], result.Clauses[0].Checks.Select(c => c.Name));
        Assert.Equal([1.0, 0.0, 0.0], result.Clauses[0].Checks.Select(c => c.Credit));
        Assert.False(result.Pass);
    }

    private static (PromptSpec Original, PromptSpec Negative, int Extra) MakeNegative(string kind, ShapesRng rng)
    {
        var g = ShapesTestKit.Grammar;
        switch (kind)
        {
            case "color":
            {
                var family = rng.Pick(new[] { TaskFamily.Colors, TaskFamily.ColorAttr, TaskFamily.Counting, TaskFamily.Position });
                var spec = g.Sample(family, rng, s => s.Clauses.Any(c => c.Color is not null));
                var clauses = spec.Clauses.ToList();
                int k = clauses.FindIndex(c => c.Color is not null);
                var other = ShapePalette.Colors.Where(c => c != clauses[k].Color).ToList();
                clauses[k] = clauses[k] with { Color = rng.Pick(other) };
                return (spec, new PromptSpec(clauses, spec.Relation), 0);
            }

            case "swapped_colors":
            {
                var spec = g.Sample(TaskFamily.ColorAttr, rng);
                var (a, b) = (spec.Clauses[0], spec.Clauses[1]);
                return (spec, new PromptSpec(a with { Color = b.Color }, b with { Color = a.Color }), 0);
            }

            case "count":
            {
                var spec = g.Sample(TaskFamily.Counting, rng);
                var c = spec.Clauses[0];
                int count = rng.Chance(0.5) ? c.Count - 1 : c.Count + 1;
                if (count > ShapesVocabulary.MaxCount) count = c.Count - 1;
                return (spec, new PromptSpec(c with { Count = count }), 0);
            }

            case "shape":
            {
                var spec = g.Sample(rng.Pick(TaskFamilies.All), rng);
                var clauses = spec.Clauses.ToList();
                int k = rng.NextInt(clauses.Count);
                var free = Shapes.Where(s => clauses.All(c => c.Shape != s)).ToList();
                clauses[k] = clauses[k] with { Shape = rng.Pick(free) };
                return (spec, new PromptSpec(clauses, spec.Relation), 0);
            }

            case "flipped_relation":
            case "perpendicular_relation":
            {
                var spec = g.Sample(TaskFamily.Position, rng);
                var r = spec.Relation!.Value;
                var changed = kind == "flipped_relation"
                    ? r switch
                    {
                        Relation.LeftOf => Relation.RightOf,
                        Relation.RightOf => Relation.LeftOf,
                        Relation.Above => Relation.Below,
                        _ => Relation.Above
                    }
                    : r is Relation.LeftOf or Relation.RightOf ? rng.Pick(new[] { Relation.Above, Relation.Below })
                        : rng.Pick(new[] { Relation.LeftOf, Relation.RightOf });
                return (spec, new PromptSpec(spec.Clauses, changed), 0);
            }

            case "size":
            {
                var spec = g.Sample(rng.Pick(new[] { TaskFamily.SingleObject, TaskFamily.Colors }), rng);
                var c = spec.Clauses[0] with { Size = rng.Pick(Enum.GetValues<SizeClass>()) };
                var original = new PromptSpec(c);
                var flipped = c with { Size = c.Size == SizeClass.Small ? SizeClass.Large : SizeClass.Small };
                return (original, new PromptSpec(flipped), 0);
            }

            case "region":
            {
                var spec = g.Sample(rng.Pick(new[] { TaskFamily.SingleObject, TaskFamily.Colors }), rng);
                var c = spec.Clauses[0] with { Region = rng.Pick(Enum.GetValues<Region>()) };
                var opposite = c.Region switch
                {
                    Region.Left => Region.Right,
                    Region.Right => Region.Left,
                    Region.Top => Region.Bottom,
                    Region.Bottom => Region.Top,
                    _ => rng.Pick(new[] { Region.Left, Region.Right, Region.Top, Region.Bottom }),
                };
                return (new PromptSpec(c), new PromptSpec(c with { Region = opposite }), 0);
            }

            case "missing_object":
            {
                var spec = g.Sample(rng.Pick(new[] { TaskFamily.TwoObject, TaskFamily.ColorAttr, TaskFamily.Position }), rng);
                return (spec, new PromptSpec(spec.Clauses[rng.NextInt(2)]), 0);
            }

            case "extra_object":
            {
                var spec = g.Sample(rng.Pick(new[] { TaskFamily.SingleObject, TaskFamily.Colors, TaskFamily.Counting }), rng);
                return (spec, spec, 1);
            }

            default:
                throw new ArgumentException(kind);
        }
    }
}
