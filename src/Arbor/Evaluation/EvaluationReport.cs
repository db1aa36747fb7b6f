namespace Arbor.Evaluation;

/// <summary>
/// A held-out evaluation of one checkpoint: one <see cref="SetEvaluation"/> per held-out set (in_distribution first,
/// the primary RL metric; then compositional), each with its prompts' outcomes for paired comparisons.
/// </summary>
public sealed record EvaluationReport(long Step, IReadOnlyList<SetEvaluation> Sets, double Seconds)
{
    /// <summary>Whether this is the base's stored evaluation (<see cref="BaseEvaluationCache"/>) rather than a fresh one.</summary>
    public bool Cached { get; init; }

    /// <summary>The first set evaluated: in_distribution unless the config chose otherwise.</summary>
    public SetEvaluation Primary => Sets[0];

    /// <summary>The evaluation of <paramref name="set"/>, or null when it was not evaluated.</summary>
    public SetEvaluation? Of(HeldOutSet set) => Sets.FirstOrDefault(s => s.Set == set);
}
