namespace Arbor.Shapes;

/// <summary>
/// A prompt as structure: one or two object clauses and, for position prompts, the relation of the first
/// to the second. Text is derived from it (<see cref="ToText"/>) and parsed back to it
/// (<see cref="Parse"/>); the verifier checks an image against it. The constructor enforces the grammar's
/// rules, so every spec has exactly one text and one family:
/// <list type="bullet">
/// <item>one or two clauses; two clauses name different shapes and one object each;</item>
/// <item>a relation needs exactly two clauses; a region needs a single clause of one object.</item>
/// </list>
/// Two specs are equal when their clauses and relation are.
/// </summary>
public sealed record PromptSpec
{
    /// <summary>A spec from its clauses and optional relation; a spec the grammar
    /// cannot say is an <see cref="ArgumentException"/> naming the rule.</summary>
    public PromptSpec(IReadOnlyList<ObjectClause> clauses, Relation? relation = null)
    {
        ArgumentNullException.ThrowIfNull(clauses);
        if (clauses.Count is < 1 or > 2)
            throw new ArgumentException($"a prompt has one or two object clauses, not {clauses.Count}", nameof(clauses));
        foreach (var c in clauses)
        {
            ArgumentNullException.ThrowIfNull(c, nameof(clauses));
            if (c.Count is < ShapesVocabulary.MinCount or > ShapesVocabulary.MaxCount)
            {
                throw new ArgumentException($"clause '{c.Shape}' has count {c.Count}; counts are {ShapesVocabulary.MinCount} to " +
                    $"{ShapesVocabulary.MaxCount}", nameof(clauses));
            }
            if (c.Region is not null && (clauses.Count != 1 || c.Count != 1))
                throw new ArgumentException("a region can only be stated for a prompt of one single object", nameof(clauses));
        }

        if (clauses.Count == 2)
        {
            if (clauses[0].Count != 1 || clauses[1].Count != 1)
                throw new ArgumentException("each of two clauses names exactly one object", nameof(clauses));
            if (clauses[0].Shape == clauses[1].Shape)
            {
                throw new ArgumentException($"two clauses must name different shapes (both are " +
                    $"{ShapesVocabulary.Word(clauses[0].Shape)})", nameof(clauses));
            }
        }

        if (relation is not null && clauses.Count != 2)
            throw new ArgumentException("a relation needs exactly two clauses", nameof(relation));

        Clauses = [.. clauses];
        Relation = relation;
    }

    /// <summary>A spec of one clause.</summary>
    public PromptSpec(ObjectClause clause)
        : this([clause])
    {
    }

    /// <summary>A spec of two clauses, with an optional relation of the first to the second.</summary>
    public PromptSpec(ObjectClause first, ObjectClause second, Relation? relation = null)
        : this([first, second], relation)
    {
    }

    /// <summary>The object clauses, in the order the text names them.</summary>
    public IReadOnlyList<ObjectClause> Clauses { get; }

    /// <summary>For position prompts: where the first clause's object is relative to the second's.</summary>
    public Relation? Relation { get; }

    /// <summary>
    /// The GenEval family, from the structure: a relation makes it <see cref="TaskFamily.Position"/>; two
    /// clauses are <see cref="TaskFamily.ColorAttr"/> when any names a color, else <see cref="TaskFamily.TwoObject"/>;
    /// one clause of several objects is <see cref="TaskFamily.Counting"/>; one object is
    /// <see cref="TaskFamily.Colors"/> with a color and <see cref="TaskFamily.SingleObject"/> without.
    /// </summary>
    public TaskFamily Family =>
        Relation is not null ? TaskFamily.Position
        : Clauses.Count == 2 ? (Clauses.Any(c => c.Color is not null) ? TaskFamily.ColorAttr : TaskFamily.TwoObject)
        : Clauses[0].Count > 1 ? TaskFamily.Counting
        : Clauses[0].Color is not null ? TaskFamily.Colors
        : TaskFamily.SingleObject;

    /// <summary>Total number of objects the prompt asks for.</summary>
    public int ObjectCount => Clauses.Sum(c => c.Count);

    /// <summary>The prompt in words, e.g. "a purple square to the left of a cyan circle".</summary>
    public string ToText()
    {
        if (Clauses.Count == 1) return Clauses[0].ToText();
        string joint = Relation is { } r ? ShapesVocabulary.Phrase(r) : "and";
        return $"{Clauses[0].ToText()} {joint} {Clauses[1].ToText()}";
    }

    /// <summary>Parses prompt text (see <see cref="PromptParser"/>); unknown or misplaced
    /// words are a <see cref="PromptParseException"/> naming the word.</summary>
    public static PromptSpec Parse(string text) => PromptParser.Parse(text);

    public bool Equals(PromptSpec? other) =>
        other is not null && Relation == other.Relation && Clauses.SequenceEqual(other.Clauses);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Relation);
        foreach (var c in Clauses) hash.Add(c);
        return hash.ToHashCode();
    }

    public override string ToString() => ToText();
}
