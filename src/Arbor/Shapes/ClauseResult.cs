namespace Arbor.Shapes;

/// <summary>One requirement of a clause and how far the image meets it, in [0, 1].</summary>
/// <param name="Name">"object", "color", "size", "region" or "count".</param>
/// <param name="Credit">1 when met; fractional credit as documented on <see cref="ShapesVerifier"/>.</param>
public sealed record ClauseCheck(string Name, double Credit)
{
    public override string ToString() => $"{Name} {Credit:0.##}";
}

/// <summary>
/// How one clause of a prompt fared: how many detected objects have its shape, how many match it fully
/// (shape, color, size and region as stated), and its checks. Its <see cref="Credit"/> is the mean of the checks.
/// </summary>
public sealed record ClauseResult(ObjectClause Clause, int ShapeMatches, int FullMatches, IReadOnlyList<ClauseCheck> Checks)
{
    /// <summary>Partial credit in [0, 1]: the mean of <see cref="Checks"/>.</summary>
    public double Credit => Checks.Average(c => c.Credit);

    /// <summary>Every check fully met (in particular exactly <c>Count</c> objects match the clause).</summary>
    public bool Satisfied => Checks.All(c => c.Credit >= 1);

    public override string ToString() =>
        $"\"{Clause.ToText()}\": {FullMatches}/{Clause.Count} matching ({ShapeMatches} of the shape) — {string.Join(", ", Checks)}";
}

/// <summary>Whether the relation of a position prompt holds between a candidate pair of objects (credit 1 or 0).</summary>
/// <param name="Relation">The stated relation of the first clause's object to the second's.</param>
/// <param name="Holds">Some object matching the first clause (or, when none does, having its shape) stands in the
/// relation to some object matching the second (likewise).</param>
public sealed record RelationResult(Relation Relation, bool Holds)
{
    public double Credit => Holds ? 1 : 0;

    public override string ToString() => $"relation '{ShapesVocabulary.Phrase(Relation)}' {(Holds ? "holds" : "fails")}";
}
