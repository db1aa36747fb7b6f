using Arbor.Imaging;

namespace Arbor.Shapes;

/// <summary>
/// Checks an image against a prompt from its pixels alone, GenEval-style: the <see cref="ObjectDetector"/>
/// lists the objects, then each clause is scored against them. For a clause asking for N objects:
/// <list type="bullet">
/// <item><c>object</c> = min(objects of its shape, N) / N;</item>
/// <item><c>color</c>, <c>size</c>, <c>region</c> (when stated) = min(objects also matching that and every
/// earlier attribute, N) / N;</item>
/// <item><c>count</c> = 1 when exactly N objects match the clause fully and no other object has its shape, else 0.</item>
/// </list>
/// A clause's credit is the mean of its checks. A position prompt adds the relation (1 or 0), judged on the
/// bounding-box centers with GenEval's rule: shrink the center offset on each axis by
/// <see cref="VerifierConfig.PositionThreshold"/> times the two sizes, normalize by the offset's length, and
/// require the component along the relation's axis to exceed <see cref="VerifierConfig.DirectionThreshold"/>.
/// <see cref="VerificationResult.Score"/> is the mean credit times the fraction of detected objects whose shape
/// the prompt names, so unrequested objects (reward hacking by drawing everything) cost reward while an
/// object of the right shape in the wrong color still earns its partial credit;
/// <see cref="VerificationResult.Pass"/> demands everything exact: each clause matched by exactly its count,
/// the relation, and nothing else in the image. Score is 1 exactly when Pass is true. A verifier holds no state
/// after construction and may be shared across threads (rewards are computed for whole batches).
/// </summary>
public sealed class ShapesVerifier
{
    public ShapesVerifier(VerifierConfig? config = null)
    {
        Detector = new ObjectDetector(config);
    }

    public VerifierConfig Config => Detector.Config;

    public ObjectDetector Detector { get; }

    /// <summary>The objects of <paramref name="image"/>.</summary>
    public DetectionResult Detect(Image8 image) => Detector.Detect(image);

    /// <summary>Verifies <paramref name="image"/> against <paramref name="spec"/>.</summary>
    public VerificationResult Verify(Image8 image, PromptSpec spec) => Evaluate(spec, Detect(image));

    /// <summary>Verifies <paramref name="image"/> against prompt text (parsed;
    /// unknown words are a <see cref="PromptParseException"/>).</summary>
    public VerificationResult Verify(Image8 image, string prompt) => Verify(image, PromptParser.Parse(prompt));

    /// <summary>A listing of the objects in <paramref name="image"/>, for debugging.</summary>
    public string Describe(Image8 image) => Detect(image).Describe();

    /// <summary>Scores already-detected objects against <paramref name="spec"/> (pure logic, no pixels).</summary>
    public VerificationResult Evaluate(PromptSpec spec, DetectionResult detections)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(detections);
        var objects = detections.Objects;
        var claimed = new bool[objects.Count];
        var clauses = new List<ClauseResult>(spec.Clauses.Count);
        var fullMatches = new List<List<int>>(spec.Clauses.Count);
        var shapeMatches = new List<List<int>>(spec.Clauses.Count);
        foreach (var clause in spec.Clauses)
        {
            int n = clause.Count;
            var byShape = Indices(objects, o => o.Shape == clause.Shape);
            var checks = new List<ClauseCheck> { new("object", Fraction(byShape.Count, n)) };
            var matching = byShape;
            if (clause.Color is { } color)
            {
                matching = matching.Where(i => objects[i].Color == color).ToList();
                checks.Add(new("color", Fraction(matching.Count, n)));
            }

            if (clause.Size is { } size)
            {
                matching = matching.Where(i => objects[i].SizeClass == size).ToList();
                checks.Add(new("size", Fraction(matching.Count, n)));
            }

            if (clause.Region is { } region)
            {
                matching = matching.Where(i => InRegion(objects[i], region, detections.Width, detections.Height)).ToList();
                checks.Add(new("region", Fraction(matching.Count, n)));
            }

            // Exactly N objects match the clause and no other object has its shape ("a red circle" is wrong next to a blue circle).
            checks.Add(new("count", matching.Count == n && byShape.Count == n ? 1 : 0));
            foreach (int i in byShape) claimed[i] = true;
            clauses.Add(new ClauseResult(clause, byShape.Count, matching.Count, checks));
            fullMatches.Add(matching);
            shapeMatches.Add(byShape);
        }

        RelationResult? relation = null;
        if (spec.Relation is { } rel)
        {
            // Judge the pair on the objects that match the clauses, falling back to objects of the right shape
            // so that a wrong color does not also cost the relation's credit.
            var a = fullMatches[0].Count > 0 ? fullMatches[0] : shapeMatches[0];
            var b = fullMatches[1].Count > 0 ? fullMatches[1] : shapeMatches[1];
            bool holds = a.Any(i => b.Any(j => i != j && RelationHolds(rel, objects[i], objects[j], Config)));
            relation = new RelationResult(rel, holds);
        }

        int unclaimed = claimed.Count(c => !c);
        double precision = objects.Count == 0 ? 1 : (double)(objects.Count - unclaimed) / objects.Count;
        var credits = clauses.Select(c => c.Credit).ToList();
        if (relation is not null) credits.Add(relation.Credit);
        bool pass = clauses.All(c => c.Satisfied) && (relation?.Holds ?? true) && unclaimed == 0;
        double score = credits.Average() * precision;   // 1 exactly when every check is met and nothing is extra, i.e. when pass
        return new VerificationResult(spec, detections, clauses, relation, unclaimed, precision, score, pass,
            Verdicts(spec, objects.Count, fullMatches));
    }

    /// <summary>Each object's <see cref="ObjectVerdict"/>: asked where a clause it fully matches is not over its count.</summary>
    private static ObjectVerdict[] Verdicts(PromptSpec spec, int objectCount, List<List<int>> fullMatches)
    {
        var verdicts = Enumerable.Repeat(ObjectVerdict.Wrong, objectCount).ToArray();
        for (int c = 0; c < fullMatches.Count; c++)
        {
            var kind = fullMatches[c].Count <= spec.Clauses[c].Count ? ObjectVerdict.Asked : ObjectVerdict.Surplus;
            foreach (int i in fullMatches[c])
                if (verdicts[i] != ObjectVerdict.Asked) verdicts[i] = kind;
        }

        return verdicts;
    }

    /// <summary>
    /// GenEval's relative-position rule on bounding-box centers (y down): whether <paramref name="a"/> stands in
    /// <paramref name="relation"/> to <paramref name="b"/>.
    /// </summary>
    public static bool RelationHolds(Relation relation, DetectedObject a, DetectedObject b, VerifierConfig config)
    {
        double ox = a.CenterX - b.CenterX, oy = a.CenterY - b.CenterY;
        double length = Math.Sqrt((ox * ox) + (oy * oy));
        if (length < 1e-9) return false;
        double rx = Math.Max(Math.Abs(ox) - (config.PositionThreshold * (a.Width + b.Width)), 0) * Math.Sign(ox);
        double ry = Math.Max(Math.Abs(oy) - (config.PositionThreshold * (a.Height + b.Height)), 0) * Math.Sign(oy);
        double nx = rx / length, ny = ry / length;
        return relation switch
        {
            Relation.LeftOf => nx < -config.DirectionThreshold,
            Relation.RightOf => nx > config.DirectionThreshold,
            Relation.Above => ny < -config.DirectionThreshold,
            Relation.Below => ny > config.DirectionThreshold,
            _ => throw new ArgumentOutOfRangeException(nameof(relation), relation, "unknown relation"),
        };
    }

    /// <summary>Whether the object's bounding-box center lies in <paramref name="region"/> (thirds of the image).</summary>
    public static bool InRegion(DetectedObject obj, Region region, int width, int height) => region switch
    {
        Region.Left => obj.CenterX < width / 3.0,
        Region.Right => obj.CenterX > 2 * width / 3.0,
        Region.Top => obj.CenterY < height / 3.0,
        Region.Bottom => obj.CenterY > 2 * height / 3.0,
        Region.Center =>
            obj.CenterX > width / 3.0 && obj.CenterX < 2 * width / 3.0 && obj.CenterY > height / 3.0 && obj.CenterY < 2 * height / 3.0,
        _ => throw new ArgumentOutOfRangeException(nameof(region), region, "unknown region"),
    };

    private static List<int> Indices(IReadOnlyList<DetectedObject> objects, Func<DetectedObject, bool> keep)
    {
        var result = new List<int>();
        for (int i = 0; i < objects.Count; i++)
        {
            if (keep(objects[i])) result.Add(i);
        }

        return result;
    }

    private static double Fraction(int found, int wanted) => (double)Math.Min(found, wanted) / wanted;
}
