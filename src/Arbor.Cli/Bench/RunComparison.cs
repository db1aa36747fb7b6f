using System.Text;
using System.Text.Json;
using Arbor.Evaluation;
using Arbor.Runs.Metrics;

namespace Arbor.Cli.Bench;

/// <summary>
/// Two runs' held-out evaluations paired prompt by prompt (`arbor bench compare`): B − A per set and family, with the 95 %
/// interval and exact McNemar p. Runs of two configs on one seed share their evaluation prompts and noise, so this is
/// the comparison of two methods that a single `bench strategies` invocation makes for the configs it ran, for runs
/// made at different times (an ablation against the run it changes).
/// </summary>
public static class RunComparison
{
    /// <summary>One run's evaluation record: where it came from, its iteration, and its sets' outcomes.</summary>
    public sealed record RunEvaluation(string Source, long Iteration, IReadOnlyList<SetEvaluation> Sets);

    /// <summary>
    /// The evaluation of a run at <paramref name="iteration"/> (null: its last) from a run directory, a `bench
    /// strategies` output holding one run, a metrics.jsonl, or a metrics.jsonl.gz as docs/results keeps them.
    /// </summary>
    public static RunEvaluation Read(string path, long? iteration = null)
    {
        var file = MetricsFile(path);
        RunMetrics log;
        try { log = RunMetrics.Load(file); }
        catch (JsonException e) { throw new FormatException($"{file}: a line is not JSON ({e.Message})"); }
        var evals = log.Evaluations.Where(r => r.Sets.Count > 0).ToList();
        if (evals.Count == 0) throw new FormatException($"{file} holds no held-out evaluation (kind \"eval\")");
        var record = iteration is long it
            ? evals.LastOrDefault(r => r.Position == it)
                ?? throw new ArgumentException($"{file} has no evaluation at iteration {it} (it has " +
                    $"{string.Join(", ", evals.Select(r => r.Position))})")
            : evals[^1];
        var sets = record.Sets.Select(p => p.Value.ToSetEvaluation(p.Key)).ToList();
        return new RunEvaluation(file, record.Position, sets);
    }

    /// <summary>B − A on every set both evaluated: the paired tables, with the two runs named.</summary>
    public static (IReadOnlyList<SetComparison> Sets, string Text) Between(RunEvaluation a, RunEvaluation b)
    {
        var shared = a.Sets.Where(s => b.Sets.Any(t => t.Set == s.Set)).ToList();
        if (shared.Count == 0)
            throw new ArgumentException($"the runs share no held-out set ({Names(a)} vs {Names(b)})");
        var comparisons = shared.Select(s => HeldOutComparison.Between(s, b.Sets.First(t => t.Set == s.Set))).ToList();
        var text = new StringBuilder()
            .AppendLine($"A: {a.Source} (iteration {a.Iteration})")
            .AppendLine($"B: {b.Source} (iteration {b.Iteration})")
            .AppendLine("change = B − A on the same prompts and noise; 'before' is A, 'after' is B; gain/loss: prompts B passes and A " +
                "fails, and the reverse");
        foreach (var c in comparisons) text.AppendLine().AppendLine(c.Table()).AppendLine(c.Summary());
        return (comparisons, text.ToString());
    }

    private static string Names(RunEvaluation r) => string.Join(", ", r.Sets.Select(s => s.Name));

    private static string MetricsFile(string path)
    {
        if (File.Exists(path)) return path;
        if (!Directory.Exists(path)) throw new FileNotFoundException($"no run directory or metrics file at {path}");
        var direct = Path.Combine(path, "metrics.jsonl");
        if (File.Exists(direct)) return direct;
        // a `bench strategies` output: one <config>-seed<N>/ per run; it must hold exactly one to be unambiguous
        var runs = Directory.GetDirectories(path).Select(d => Path.Combine(d, "metrics.jsonl")).Where(File.Exists).ToList();
        return runs.Count switch
        {
            1 => runs[0],
            0 => throw new FileNotFoundException($"{path} holds no metrics.jsonl, directly or in a run directory below it"),
            _ => throw new ArgumentException($"{path} holds {runs.Count} runs " +
                $"({string.Join(", ", runs.Select(r => Path.GetFileName(Path.GetDirectoryName(r))))}): name one of them"),
        };
    }
}
