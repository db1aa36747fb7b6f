using Arbor.Tensors;
using Arbor.Runs;
using Arbor.Runs.Metrics;
using System.Text.Json;
using Arbor.Configuration;
using Arbor.Evaluation;
using Arbor.Reporting;
using Arbor.Training;

namespace Arbor.Cli.Bench;

/// <summary>The shared budget of a comparison: iterations, or minutes of rollout + reward + training (evaluations excluded).</summary>
/// <param name="EvalPrecision">Every run's eval.precision (null: each config's own), so runs compared stay paired.</param>
/// <param name="TrainPrecision">Every run's train.precision (null: each config's own), so a minutes budget buys every
/// method the same arithmetic: a config in fp32 beside one in bf16 would get a third of the iterations on a bf16 CPU.</param>
public sealed record ComparisonBudget(int Iterations, double Minutes, int EvalEvery, int PromptsPerFamily, double TargetGain,
    Precision? EvalPrecision = null, Precision? TrainPrecision = null)
{
    /// <summary>The budget as the summaries and progress lines name it: "30 min" or "50 iterations".</summary>
    public string Text => Minutes > 0 ? $"{Minutes:G} min" : $"{Iterations} iterations";
}

/// <summary>
/// One held-out set of one run: accuracy before and after, the paired change (same prompts and seeds) overall and per
/// family, the curve over evaluations, and the final pass bits (for paired tests between strategies on the same seed).
/// </summary>
public sealed record SetResult(string Set, int N, double StrictBefore, double StrictAfter, double StrictSd,
    double PartialBefore, double PartialAfter,
    PairedStatistics.PairedChange Change, IReadOnlyDictionary<string, PairedStatistics.PairedChange> ChangeByFamily,
    PairedStatistics.MeanChange PartialChange, double? SecondsToTarget,
    IReadOnlyList<double> StrictCurve, IReadOnlyDictionary<string, double> StrictAfterByFamily, string PassAfter)
{
    /// <summary>The result of a run's first and last evaluations of one set and their paired comparison <paramref name="c"/>.</summary>
    public static SetResult From(SetComparison c, SetEvaluation before, SetEvaluation after, double? secondsToTarget,
        IReadOnlyList<double> strictCurve) =>
        new(c.Name, c.N, before.OverallStrict, after.OverallStrict, after.OverallStrictSd, before.OverallPartial,
            after.OverallPartial, c.Overall, c.ByFamily,
            c.Partial, secondsToTarget, strictCurve, after.Strict, new string([.. after.Outcomes.Select(o => o.Pass ? '1' : '0')]));
}

/// <summary>One run (strategy, seed) at the shared budget.</summary>
public sealed record StrategyResult(string Config, string Strategy, ulong Seed, int Iterations, IReadOnlyList<SetResult> Sets,
    double SecondsPerIteration, double RolloutSeconds, double RewardSeconds, double TrainSeconds,
    double NfePerIteration, double TrainedForwardsPerIteration, double WallSeconds, double TrainingSeconds,
    IReadOnlyList<double> SecondsCurve, IReadOnlyList<TrendRow> TrainingTrends, double SignalMean, double SignalSe)
{
    public SetResult Primary => Sets[0];
}

/// <summary>
/// Runs several training configs from the same base with the same budget (iterations or wall-clock minutes,
/// prompts per iteration, evaluation) over one or more seeds and summarizes them side by side
/// (ALGORITHMS.md §7: per-iteration time and NFE, paired accuracy change on both held-out sets, time to reach a
/// target gain, the training reward's trend and the signal meter).
/// </summary>
public static class StrategyComparison
{
    /// <summary>The file of every run's result, rewritten after each run; its presence marks a `bench strategies` output.</summary>
    public const string ResultsFile = "results.json";

    /// <summary>What `bench strategies` writes into --out: results.json,
    /// summary.md, the chart, and one RL run per config and seed.</summary>
    public static readonly OutputKind Output = OutputKind.Directory("an `arbor bench strategies` output", [ResultsFile]);

    /// <summary>
    /// Makes <paramref name="outDir"/> ready for a comparison: a new or empty directory, or an earlier comparison's output
    /// (whose runs of the same configs and seeds are replaced one by one, and whose results.json and summary.md are
    /// rewritten, as before); anything else is refused before any model work. A new output gets an empty results.json at
    /// once (<see cref="BenchOutput.Prepare"/>).
    /// </summary>
    public static void PrepareOutput(string outDir) => BenchOutput.Prepare(outDir, Output, ResultsFile);

    /// <summary>
    /// <paramref name="cfg"/> as one run of a comparison trains it: the seed, the base, the shared budget (a minutes
    /// budget lets the iteration count float, <c>iterations</c> then only a safety bound), the shared evaluation, and
    /// the budget's precisions where it sets them.
    /// </summary>
    public static GrpoTrainConfig ForRun(GrpoTrainConfig cfg, ulong seed, ComparisonBudget budget, string model)
    {
        int iterations = budget.Minutes > 0 ? Math.Max(budget.Iterations, 100_000) : budget.Iterations;
        return cfg with
        {
            Seed = seed,
            Model = model,
            Train = cfg.Train with
            {
                Iterations = iterations,
                CheckpointEvery = Math.Max(1, Math.Min(iterations, 10)),
                TimeBudgetMinutes = budget.Minutes,
                Precision = budget.TrainPrecision ?? cfg.Train.Precision
            },
            Eval = cfg.Eval with
            {
                Every = budget.EvalEvery,
                PromptsPerFamily = budget.PromptsPerFamily,
                Precision = budget.EvalPrecision ?? cfg.Eval.Precision
            },
        };
    }

    /// <param name="model">The base every config starts from; null: the config's own `model`, found as `arbor train` finds it.</param>
    public static StrategyResult Run(string configPath, ulong seed, ComparisonBudget budget, string outDir, string? model,
        Action<StrategyResult>? progress = null)
    {
        var cfg = ConfigLoader.Load<GrpoTrainConfig>(configPath);
        cfg = ForRun(cfg, seed, budget, Commands.ModelOptions.ForConfig(cfg.Model, model));
        var runDir = Path.Combine(outDir, $"{Path.GetFileNameWithoutExtension(configPath)}-seed{seed}");
        OutputGuard.ReplacePrevious(runDir, RunDirectory.Rl);
        var reports = new List<IterationReport>();
        var trainer = new GrpoTrainer(cfg, runDir);
        trainer.IterationCompleted += reports.Add;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        trainer.Run(resume: false);
        var before = trainer.Evaluations[0];
        var after = trainer.Evaluations[^1];
        var sets = HeldOutComparison.Between(before, after).Select(c =>
        {
            var (b, a) = (before.Of(c.Set)!, after.Of(c.Set)!);
            double? toTarget = null;
            for (int k = 0; k < trainer.Evaluations.Count; k++)
            {
                if (trainer.Evaluations[k].Of(c.Set)!.OverallStrict >= b.OverallStrict + budget.TargetGain)
                {
                    toTarget = trainer.TrainingSecondsAtEvaluation[k]; break;
                }
            }
            return SetResult.From(c, b, a, toTarget, [.. trainer.Evaluations.Select(e => e.Of(c.Set)!.OverallStrict)]);
        }).ToList();
        var logged = RunMetrics.Load(Path.Combine(runDir, "metrics.jsonl")).Iterations;
        var signals = reports.Select(r => r.Update.Signal).Where(double.IsFinite).ToList();
        var (signalMean, signalSd) = signals.Count > 0 ? PairedStatistics.MeanSd(signals) : (double.NaN, double.NaN);
        var result = new StrategyResult(Path.GetFileName(configPath), cfg.Strategy, seed, reports.Count, sets,
            reports.Average(r => r.Rollout.Seconds + r.RewardSeconds + r.TrainSeconds),
            reports.Average(r => r.Rollout.Seconds), reports.Average(r => r.RewardSeconds), reports.Average(r => r.TrainSeconds),
            reports.Average(r => (double)r.Rollout.ModelForwards), reports.Average(r => (double)r.Update.TrainingForwards),
            clock.Elapsed.TotalSeconds, trainer.TrainingSecondsAtEvaluation[^1], trainer.TrainingSecondsAtEvaluation.ToList(),
            TrainingTrend.FromMetrics(logged), signalMean, signals.Count > 1 ? signalSd / Math.Sqrt(signals.Count) : double.NaN);
        progress?.Invoke(result);
        return result;
    }

    /// <summary>
    /// Strategy a against strategy b on one set: per seed they share prompts and noise seeds, so the final pass bits pair
    /// up (McNemar over seeds x prompts), and their changes over the seeds pair up (paired t, NaN with one seed).
    /// </summary>
    public static (PairedStatistics.PairedChange PerPrompt, PairedStatistics.MeanChange OverSeeds) Between(
        IReadOnlyList<StrategyResult> a, IReadOnlyList<StrategyResult> b, string set)
    {
        var seeds = a.Select(x => x.Seed).Intersect(b.Select(x => x.Seed)).Order().ToList();
        if (seeds.Count == 0) throw new ArgumentException("the two configs share no seed: nothing to pair");
        SetResult Of(IReadOnlyList<StrategyResult> runs, ulong seed) => runs.First(x => x.Seed == seed).Sets.First(s => s.Set == set);
        var bits = seeds.SelectMany(s => Of(b, s).PassAfter.Zip(Of(a, s).PassAfter, (x, y) => (x == '1', y == '1'))).ToList();
        var perPrompt = PairedStatistics.Compare([.. bits.Select(p => p.Item1)], [.. bits.Select(p => p.Item2)]);
        var overSeeds =
            PairedStatistics.PairedT([.. seeds.Select(s => Of(b, s).Change.Change)], [.. seeds.Select(s => Of(a, s).Change.Change)]);
        return (perPrompt, overSeeds);
    }

    public static void Save(IReadOnlyList<StrategyResult> results, string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(results, ResultJson(indented: true)));

    /// <summary>
    /// The runs <see cref="Save"/> wrote to <paramref name="path"/>; a file that is not such a list is an error naming it.
    /// </summary>
    public static IReadOnlyList<StrategyResult> Load(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"no `bench strategies` results at {path}", path);
        try
        {
            return JsonSerializer.Deserialize<List<StrategyResult>>(File.ReadAllText(path), ResultJson(indented: false))
                ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a `bench strategies` results.json: {e.Message}", e);
        }
    }

    /// <summary>One run's result as `--log-format json` prints it: one line, the same fields as results.json's entries.</summary>
    public static string JsonLine(StrategyResult result) =>
        JsonSerializer.Serialize(new { kind = "run", result }, ResultJson(indented: false));

    // NaN where a run never reached the target: JSON has no literal for it, so it is written as the string "NaN"
    private static JsonSerializerOptions ResultJson(bool indented) =>
        new()
        {
            WriteIndented = indented,
            NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals
        };
}
