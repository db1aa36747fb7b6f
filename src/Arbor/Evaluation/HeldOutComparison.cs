using System.Globalization;
using System.Text;
using static Arbor.Evaluation.PairedStatistics;

namespace Arbor.Evaluation;

/// <summary>
/// Two evaluations of one held-out set, paired prompt by prompt: strict accuracy's change per family and overall with
/// its 95 % interval and exact McNemar p-value, and the paired t-test of the partial scores.
/// </summary>
public sealed record SetComparison(HeldOutSet Set, int N, IReadOnlyDictionary<string, PairedChange> ByFamily,
    PairedChange Overall, MeanChange Partial)
{
    public string Name => Set.Name();

    /// <summary>"in_distribution (n = 384): strict 42.7 → 50.5 %, +7.8 pts
    /// [+3.1, +12.5], p = 0.002 (...); partial +4.1 pts [...]".</summary>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"{Name} (n = {N}): strict {Overall.Before * 100:F1} → {Overall.After * 100:F1} %, {Overall}; partial " +
            $"{Partial.Mean * 100:+0.0;-0.0} pts [{Partial.Low * 100:+0.0;-0.0}, {Partial.High * 100:+0.0;-0.0}]");

    /// <summary>A plain-text table: one row per family and the overall row.</summary>
    public string Table()
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"{Name} (n = {N}, paired: same prompts and seeds)");
        // 80 columns: a log file or a terminal of the default width shows it unwrapped
        sb.AppendLine($"  {"family",-13} {"n",4} {"before",7} {"after",7} {"change",7} {"95 % interval",15} {"p",7} gain/loss");
        foreach (var (family, c) in ByFamily) sb.AppendLine(Row(family, c));
        sb.Append(Row("overall", Overall));
        return sb.ToString();
    }

    private static string Row(string label, PairedChange c) => string.Create(CultureInfo.InvariantCulture,
        $"  {label,-13} {c.N,4} {c.Before * 100,6:F1}% {c.After * 100,6:F1}% {c.Change * 100,7:+0.0;-0.0;0.0} " +
            $"{$"[{c.Low * 100:+0.0;-0.0;0.0}, {c.High * 100:+0.0;-0.0;0.0}]",15} {P(c.PValue),7} {c.Gained}/{c.Lost}");

    /// <summary>A p-value as a reader wants it: 3 significant digits, "&lt; 1e-4" below that.</summary>
    public static string P(double p) =>
        double.IsNaN(p) ? "n/a" : p < 1e-4 ? "< 1e-4" : p.ToString(p < 0.01 ? "0.0000" : "0.000", CultureInfo.InvariantCulture);
}

/// <summary>Paired comparisons of held-out evaluations (before/after RL, a LoRA against its base, two models).</summary>
public static class HeldOutComparison
{
    /// <summary>Every set evaluated in both reports, in <paramref name="before"/>'s order.</summary>
    public static IReadOnlyList<SetComparison> Between(EvaluationReport before, EvaluationReport after) =>
        [.. before.Sets.Where(s => after.Of(s.Set) is not null).Select(s => Between(s, after.Of(s.Set)!))];

    /// <summary>
    /// The paired comparison of two evaluations of one set. They must list the same prompts in the same order (the
    /// same set, size and seed): anything else is not a paired comparison, and is an error saying what differs.
    /// </summary>
    public static SetComparison Between(SetEvaluation before, SetEvaluation after)
    {
        if (before.Set != after.Set) throw new ArgumentException($"cannot pair an evaluation of {before.Name} with one of {after.Name}");
        if (before.N != after.N)
        {
            throw new ArgumentException($"cannot pair {before.Name} evaluations of {before.N} and {after.N} prompts (evaluate both with " +
                $"the same prompts per family)");
        }
        for (int i = 0; i < before.N; i++)
        {
            var (a, b) = (before.Outcomes[i], after.Outcomes[i]);
            if (a.Family != b.Family || a.Prompt != b.Prompt)
            {
                throw new ArgumentException($"{before.Name} prompt {i} differs ('{Arbor.Text.MessageText.Quote(a.Prompt)}' vs " +
                    $"'{Arbor.Text.MessageText.Quote(b.Prompt)}'): the evaluations are not paired (same split, set size and seed needed)");
            }
        }
        var outcomes = before.Outcomes.Zip(after.Outcomes, (a, b) => (a.Family, a.Pass, b.Pass)).ToList();
        return new SetComparison(before.Set, before.N, CompareByGroup(outcomes), Overall(outcomes),
            PairedT([.. before.Outcomes.Select(o => o.Score)], [.. after.Outcomes.Select(o => o.Score)]));
    }
}
