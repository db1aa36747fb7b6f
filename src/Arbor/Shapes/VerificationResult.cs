namespace Arbor.Shapes;

/// <summary>
/// The verdict on one image for one prompt: per-clause partial credit, the relation (position prompts),
/// the objects no clause asked for, a dense <see cref="Score"/> (the RL reward) and a strict
/// <see cref="Pass"/> (the GenEval accuracy). Score is 1 exactly when Pass is true.
/// </summary>
/// <param name="Spec">The prompt checked.</param>
/// <param name="Detections">The objects found in the image.</param>
/// <param name="Clauses">One result per clause of <paramref name="Spec"/>, in order.</param>
/// <param name="Relation">The relation check, for position prompts.</param>
/// <param name="UnclaimedObjects">Detected objects whose shape no clause names (or that are unrecognized).</param>
/// <param name="Precision">Fraction of detected objects whose shape some clause names (1 when nothing is detected).</param>
/// <param name="Score">Mean of the clause credits and the relation credit, times <paramref name="Precision"/>.</param>
/// <param name="Pass">Every clause satisfied (exactly its count of matching objects and no other object of its shape), the
/// relation holds, and no object of another shape is in the image: the image shows exactly what the prompt says.</param>
/// <param name="ObjectVerdicts">One verdict per detected object, in the order of <see cref="DetectionResult.Objects"/>.</param>
public sealed record VerificationResult(
    PromptSpec Spec,
    DetectionResult Detections,
    IReadOnlyList<ClauseResult> Clauses,
    RelationResult? Relation,
    int UnclaimedObjects,
    double Precision,
    double Score,
    bool Pass,
    IReadOnlyList<ObjectVerdict> ObjectVerdicts)
{
    /// <summary>The prompt's task family.</summary>
    public TaskFamily Family => Spec.Family;

    /// <summary>A multi-line account of the verdict, for debugging.</summary>
    public string Describe()
    {
        var lines = new List<string>
        {
            $"\"{Spec.ToText()}\" ({Family.Name()}): {(Pass ? "PASS" : "FAIL")}, score {Score:F3}, precision {Precision:F2}, " +
                $"{UnclaimedObjects} unclaimed",
        };
        lines.AddRange(Clauses.Select(c => "  " + c));
        if (Relation is not null) lines.Add("  " + Relation);
        lines.Add(Detections.Describe());
        return string.Join('\n', lines);
    }

    public override string ToString() => Describe();
}
