namespace Arbor.Shapes;

/// <summary>
/// Samples a <see cref="Scene"/> that satisfies a <see cref="PromptSpec"/> exactly, deterministically from a
/// <see cref="ShapesRng"/>: the objects the clauses ask for (exactly their counts, nothing else unless
/// <c>extraObjects</c> asks for unmentioned objects of other shapes), attributes the prompt leaves open
/// drawn at random, sizes jittered within their class, and positions uniform within what the prompt
/// states. Placement is by rejection: objects stay inside the canvas with a border, keep a gap between
/// bounding boxes, keep region centers inside their third with a margin, and position pairs are
/// separated along the stated axis with the off-axis offset at most
/// <see cref="SceneLayout.RelationCrossRatio"/> of it. When large objects cannot all fit, later attempts
/// lower the chance of drawing large for objects whose size is open; a prompt that still cannot be placed
/// is an <see cref="InvalidOperationException"/> naming it.
/// </summary>
public sealed class SceneSampler
{
    private static readonly ShapeKind[] AllShapes = Enum.GetValues<ShapeKind>();

    /// <summary>A sampler for <paramref name="layout"/> (defaults: 32 px, see <see cref="SceneLayout"/>).</summary>
    public SceneSampler(SceneLayout? layout = null)
    {
        Layout = layout ?? new SceneLayout();
        Layout.Validate();
    }

    public SceneLayout Layout { get; }

    /// <summary>A scene for <paramref name="spec"/> from a generator seeded with <paramref name="seed"/>.</summary>
    public Scene Sample(PromptSpec spec, ulong seed, int extraObjects = 0) => Sample(spec, new ShapesRng(seed), extraObjects);

    /// <summary>
    /// A scene for <paramref name="spec"/>, drawing from <paramref name="rng"/>. <paramref name="extraObjects"/>
    /// adds that many objects the prompt does not mention, each of a shape no clause names (so the prompt
    /// stays true of the scene, if under-specified), with random color and size; they come last in
    /// <see cref="Scene.Objects"/>.
    /// </summary>
    public Scene Sample(PromptSpec spec, ShapesRng rng, int extraObjects = 0)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegative(extraObjects);

        var requests = new List<ObjectClause>();
        foreach (var clause in spec.Clauses)
        {
            for (int i = 0; i < clause.Count; i++) requests.Add(clause);
        }

        var otherShapes = AllShapes.Where(s => spec.Clauses.All(c => c.Shape != s)).ToArray();
        if (extraObjects > 0 && otherShapes.Length == 0)
        {
            throw new ArgumentException($"\"{spec}\" names every shape; there is no shape left for an " +
                $"unmentioned object", nameof(extraObjects));
        }
        for (int i = 0; i < extraObjects; i++) requests.Add(new ObjectClause(rng.Pick(otherShapes)));

        double w = Layout.CanvasSize;
        for (int attempt = 0; attempt < Layout.MaxAttempts; attempt++)
        {
            // Open sizes: the chance of large falls to zero over the first half of the attempts.
            double pLarge = Layout.LargeProbability * Math.Max(0, 1 - (attempt / (Layout.MaxAttempts / 2.0)));
            var drawn = new SceneObject[requests.Count];
            for (int i = 0; i < requests.Count; i++)
            {
                var r = requests[i];
                var sizeClass = r.Size ?? (rng.Chance(pLarge) ? SizeClass.Large : SizeClass.Small);
                var color = r.Color ?? rng.Pick(ShapePalette.Colors);
                double size = Layout.NominalPixels(sizeClass) * rng.Uniform(1 - Layout.SizeJitter, 1 + Layout.SizeJitter);
                drawn[i] = new SceneObject(r.Shape, color, sizeClass, size, 0, 0);
            }

            if (TryPlace(spec, requests, drawn, rng, w)) return new Scene(Layout.CanvasSize, drawn);
        }

        throw new InvalidOperationException(
            $"could not place the objects of \"{spec}\" (+{extraObjects} unmentioned) on a {Layout.CanvasSize}px canvas in " +
                $"{Layout.MaxAttempts} attempts");
    }

    private bool TryPlace(PromptSpec spec, List<ObjectClause> requests, SceneObject[] objects, ShapesRng rng, double w)
    {
        double border = Layout.BorderFraction * w;
        double gap = Layout.GapFraction * w;
        double margin = Layout.RegionMarginFraction * w;
        for (int i = 0; i < objects.Length; i++)
        {
            var obj = objects[i];
            double half = obj.Size / 2;
            double xLo = half + border, xHi = w - half - border;
            double yLo = xLo, yHi = xHi;
            switch (requests[i].Region)
            {
                case Region.Left: xHi = Math.Min(xHi, (w / 3) - margin); break;
                case Region.Right: xLo = Math.Max(xLo, (2 * w / 3) + margin); break;
                case Region.Top: yHi = Math.Min(yHi, (w / 3) - margin); break;
                case Region.Bottom: yLo = Math.Max(yLo, (2 * w / 3) + margin); break;
                case Region.Center:
                    xLo = Math.Max(xLo, (w / 3) + margin);
                    xHi = Math.Min(xHi, (2 * w / 3) - margin);
                    yLo = Math.Max(yLo, (w / 3) + margin);
                    yHi = Math.Min(yHi, (2 * w / 3) - margin);
                    break;
            }

            if (xLo > xHi || yLo > yHi) return false;
            bool placed = false;
            for (int t = 0; t < Layout.PlacementTries && !placed; t++)
            {
                var candidate = obj with { CenterX = rng.Uniform(xLo, xHi), CenterY = rng.Uniform(yLo, yHi) };
                if (i == 1 && spec.Relation is { } relation && !RelationHolds(relation, objects[0], candidate, gap)) continue;
                bool clear = true;
                for (int j = 0; j < i && clear; j++) clear = Separated(objects[j], candidate, gap);
                if (!clear) continue;
                objects[i] = candidate;
                placed = true;
            }

            if (!placed) return false;
        }

        return true;
    }

    /// <summary>Whether the bounding boxes of <paramref name="a"/> and <paramref name="b"/>
    /// are at least <paramref name="gap"/> apart on some axis.</summary>
    private static bool Separated(SceneObject a, SceneObject b, double gap)
    {
        double need = ((a.Size + b.Size) / 2) + gap;
        return Math.Abs(a.CenterX - b.CenterX) >= need || Math.Abs(a.CenterY - b.CenterY) >= need;
    }

    /// <summary>The sampler's (stricter than the verifier's) test that <paramref name="a"/>
    /// stands in <paramref name="relation"/> to <paramref name="b"/>.</summary>
    private bool RelationHolds(Relation relation, SceneObject a, SceneObject b, double gap)
    {
        double dx = b.CenterX - a.CenterX, dy = b.CenterY - a.CenterY;
        (double along, double cross) = relation switch
        {
            Relation.LeftOf => (dx, dy),
            Relation.RightOf => (-dx, dy),
            Relation.Above => (dy, dx),
            Relation.Below => (-dy, dx),
            _ => throw new ArgumentOutOfRangeException(nameof(relation), relation, "unknown relation"),
        };
        return along >= ((a.Size + b.Size) / 2) + gap && Math.Abs(cross) <= Layout.RelationCrossRatio * along;
    }
}
