namespace Arbor.Shapes;

/// <summary>
/// Generates random prompts of a task family (as <see cref="PromptSpec"/>s), deterministically from a
/// <see cref="ShapesRng"/>:
/// <list type="bullet">
/// <item>single_object: "a [size] shape [region]"; colors: "a [size] color shape [region]";</item>
/// <item>two_object: "a shape and a shape"; color_attr: "a color shape and a color shape" (different
/// shapes, different colors, so binding the wrong color to a shape is detectable);</item>
/// <item>counting: "two|three|four [color] shapes";</item>
/// <item>position: "a [color] shape REL a [color] shape" with REL one of to the left of, to the right of,
/// above, below (different shapes; colors on both or neither).</item>
/// </list>
/// </summary>
public sealed class PromptGrammar
{
    private static readonly ShapeKind[] Shapes = Enum.GetValues<ShapeKind>();
    private static readonly SizeClass[] Sizes = Enum.GetValues<SizeClass>();
    private static readonly Region[] Regions = Enum.GetValues<Region>();
    private static readonly Relation[] Relations = Enum.GetValues<Relation>();

    public PromptGrammar(PromptGrammarOptions? options = null)
    {
        Options = options ?? new PromptGrammarOptions();
        var problems = Options.Problems().ToList();
        if (problems.Count > 0)
            throw new ArgumentException("invalid prompt grammar options: " + string.Join("; ", problems), nameof(options));
    }

    public PromptGrammarOptions Options { get; }

    /// <summary>A random prompt of <paramref name="family"/>.</summary>
    public PromptSpec Sample(TaskFamily family, ShapesRng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        switch (family)
        {
            case TaskFamily.SingleObject:
            case TaskFamily.Colors:
            {
                var shape = rng.Pick(Shapes);
                ShapeColor? color = family == TaskFamily.Colors ? rng.Pick(ShapePalette.Colors) : null;
                SizeClass? size = rng.Chance(Options.SizeProbability) ? rng.Pick(Sizes) : null;
                Region? region = rng.Chance(Options.RegionProbability) ? rng.Pick(Regions) : null;
                return new PromptSpec(new ObjectClause(shape, color, 1, size, region));
            }

            case TaskFamily.TwoObject:
            {
                var (a, b) = TwoShapes(rng);
                return new PromptSpec(new ObjectClause(a), new ObjectClause(b));
            }

            case TaskFamily.ColorAttr:
            {
                var (a, b) = TwoShapes(rng);
                var (ca, cb) = TwoColors(rng);
                return new PromptSpec(new ObjectClause(a, ca), new ObjectClause(b, cb));
            }

            case TaskFamily.Counting:
            {
                var shape = rng.Pick(Shapes);
                int count = 2 + rng.NextInt(ShapesVocabulary.MaxCount - 1);
                ShapeColor? color = rng.Chance(Options.CountingColorProbability) ? rng.Pick(ShapePalette.Colors) : null;
                return new PromptSpec(new ObjectClause(shape, color, count));
            }

            case TaskFamily.Position:
            {
                var (a, b) = TwoShapes(rng);
                var relation = rng.Pick(Relations);
                if (rng.Chance(Options.PositionColorProbability))
                {
                    var (ca, cb) = TwoColors(rng);
                    return new PromptSpec(new ObjectClause(a, ca), new ObjectClause(b, cb), relation);
                }

                return new PromptSpec(new ObjectClause(a), new ObjectClause(b), relation);
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(family), family, "unknown task family");
        }
    }

    /// <summary>
    /// A random prompt of <paramref name="family"/> that <paramref name="accept"/> admits (rejection
    /// sampling); after <paramref name="maxTries"/> refusals an <see cref="InvalidOperationException"/>.
    /// </summary>
    public PromptSpec Sample(TaskFamily family, ShapesRng rng, Func<PromptSpec, bool> accept, int maxTries = 10_000)
    {
        ArgumentNullException.ThrowIfNull(accept);
        for (int i = 0; i < maxTries; i++)
        {
            var spec = Sample(family, rng);
            if (accept(spec)) return spec;
        }

        throw new InvalidOperationException($"no {family.Name()} prompt satisfied the constraint in {maxTries} tries");
    }

    private static (ShapeKind A, ShapeKind B) TwoShapes(ShapesRng rng)
    {
        var a = rng.Pick(Shapes);
        var b = Shapes[(Array.IndexOf(Shapes, a) + 1 + rng.NextInt(Shapes.Length - 1)) % Shapes.Length];
        return (a, b);
    }

    private static (ShapeColor A, ShapeColor B) TwoColors(ShapesRng rng)
    {
        var colors = ShapePalette.Colors;
        int a = rng.NextInt(colors.Count);
        int b = (a + 1 + rng.NextInt(colors.Count - 1)) % colors.Count;
        return (colors[a], colors[b]);
    }
}
