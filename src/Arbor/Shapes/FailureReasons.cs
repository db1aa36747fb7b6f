using Arbor.Evaluation;

namespace Arbor.Shapes;

/// <summary>
/// Why an image failed its prompt, in words a model card can tabulate ("the base draws extra objects" is a
/// different problem from "the base cannot draw a small cross"). Read from the verifier's own checks, so it
/// explains exactly the strict verdict; one image may fail for several reasons, each listed once.
/// </summary>
public static class FailureReasons
{
    /// <summary>Fewer objects of a clause's shape than it asks for (not drawn, or drawn unrecognizably).</summary>
    public const string MissingObject = "missing_object";

    /// <summary>More objects of a clause's shape than it asks for.</summary>
    public const string ExtraOfShape = "extra_of_shape";

    /// <summary>An object of a shape no clause names, or an unrecognized blob.</summary>
    public const string Unrequested = "unrequested_object";

    /// <summary>The clause's objects are there but not in the stated color.</summary>
    public const string Color = "color";

    /// <summary>... not in the stated size.</summary>
    public const string Size = "size";

    /// <summary>... not in the stated region.</summary>
    public const string Region = "region";

    /// <summary>A position prompt's relation does not hold.</summary>
    public const string Relation = "relation";

    /// <summary>Every reason, in the order they are reported.</summary>
    public static readonly IReadOnlyList<string> All = [MissingObject, ExtraOfShape, Unrequested, Color, Size, Region, Relation];

    /// <summary>
    /// The distinct reasons in a stable order for tables: the Shapes verifier's in <see cref="All"/> order, then any others
    /// (another evaluator's words) in the order first seen.
    /// </summary>
    public static IReadOnlyList<string> Order(IEnumerable<string> reasons) =>
        [.. reasons.Distinct().Select((r, seen) => (r, seen))
            .OrderBy(x => Known(x.r)).ThenBy(x => x.seen).Select(x => x.r)];

    private static int Known(string reason)
    {
        for (int i = 0; i < All.Count; i++)
            if (All[i] == reason) return i;
        return int.MaxValue;
    }

    /// <summary>The reasons <paramref name="result"/> failed (empty when it passed).</summary>
    public static IReadOnlyList<string> Of(VerificationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Pass) return [];
        var reasons = new HashSet<string>();
        foreach (var clause in result.Clauses)
        {
            int asked = clause.Clause.Count;
            if (clause.ShapeMatches < asked) reasons.Add(MissingObject);
            if (clause.ShapeMatches > asked) reasons.Add(ExtraOfShape);
            // The attribute checks are cumulative (objects matching this attribute and every earlier one), so
            // an attribute is to blame where its credit drops below the check before it; attributes after the
            // first one that fails are not judged (a blue circle on the right, for "a red circle on the left",
            // is a color failure only).
            for (int i = 1; i < clause.Checks.Count; i++)
            {
                var check = clause.Checks[i];
                if (check.Name is Color or Size or Region && check.Credit < clause.Checks[i - 1].Credit) reasons.Add(check.Name);
            }
        }

        if (result.UnclaimedObjects > 0) reasons.Add(Unrequested);
        if (result.Relation is { Holds: false }) reasons.Add(Relation);
        return [.. All.Where(reasons.Contains)];
    }
}

/// <summary>Per task family: how many results failed, and how many of those failed for each reason.</summary>
public sealed class FailureTally
{
    private readonly Dictionary<TaskFamily, (int Results, int Failed, Dictionary<string, int> Reasons)> _tally = [];

    public void Add(VerificationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (!_tally.TryGetValue(result.Family, out var t)) t = (0, 0, []);
        var reasons = FailureReasons.Of(result);
        foreach (var r in reasons) t.Reasons[r] = t.Reasons.GetValueOrDefault(r) + 1;
        _tally[result.Family] = (t.Results + 1, t.Failed + (result.Pass ? 0 : 1), t.Reasons);
    }

    /// <summary>The families with at least one result, in <see cref="TaskFamilies.All"/> order.</summary>
    public IReadOnlyList<TaskFamily> Families => [.. TaskFamilies.All.Where(_tally.ContainsKey)];

    public int Results(TaskFamily family) => _tally.GetValueOrDefault(family).Results;

    public int Failed(TaskFamily family) => _tally.GetValueOrDefault(family).Failed;

    /// <summary>Failed results of <paramref name="family"/> that failed (among other things) for <paramref name="reason"/>.</summary>
    public int Count(TaskFamily family, string reason) =>
        _tally.TryGetValue(family, out var t) ? t.Reasons.GetValueOrDefault(reason) : 0;

    /// <summary>Per family (GenEval tag): results, failed, and the count of each
    /// reason that occurred, in <see cref="FailureReasons.All"/> order.</summary>
    public IReadOnlyDictionary<string, FamilyFailures> ByFamily() => Families.ToDictionary(
        f => f.Name(),
        f => new FamilyFailures(Results(f), Failed(f),
            FailureReasons.All.Where(r => Count(f, r) > 0).ToDictionary(r => r, r => Count(f, r))));
}
