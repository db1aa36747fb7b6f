using System.Text.Json;
using Arbor.Configuration;
using Arbor.Training;

namespace Arbor.Cli.Bench;

/// <summary>The shared budget of a comparison: iterations, or minutes of rollout + reward + training (evaluations excluded).</summary>
public sealed record ComparisonBudget(int Iterations, double Minutes, int EvalEvery, int PromptsPerFamily, double TargetGain);

/// <summary>One run (strategy, seed) at the shared budget.</summary>
public sealed record StrategyResult(string Config, string Strategy, ulong Seed, int Iterations, double StrictBefore, double StrictAfter,
    double PartialBefore, double PartialAfter, double SecondsPerIteration, double RolloutSeconds, double RewardSeconds, double TrainSeconds,
    double NfePerIteration, double TrainedForwardsPerIteration, double WallSeconds, double TrainingSeconds,
    double? SecondsToTarget, IReadOnlyList<double> StrictCurve, IReadOnlyList<double> SecondsCurve,
    IReadOnlyDictionary<string, double> StrictAfterByFamily);

/// <summary>
/// Runs several training configs from the same base with the same budget (iterations or wall-clock minutes,
/// prompts per iteration, evaluation) over one or more seeds and summarizes them side by side
/// (ALGORITHMS.md §7: per-iteration time and NFE, accuracy, and time to reach a target gain).
/// </summary>
public static class StrategyComparison
{
    public static StrategyResult Run(string configPath, ulong seed, ComparisonBudget budget, string outDir, string model,
        Action<StrategyResult>? progress = null)
    {
        var cfg = ConfigLoader.Load<GrpoTrainConfig>(configPath);
        // A minutes budget lets the iteration count float: `iterations` is then only a safety bound.
        int iterations = budget.Minutes > 0 ? Math.Max(budget.Iterations, 100_000) : budget.Iterations;
        cfg = cfg with
        {
            Seed = seed,
            Model = model,
            Train = cfg.Train with { Iterations = iterations, CheckpointEvery = Math.Max(1, Math.Min(iterations, 10)), TimeBudgetMinutes = budget.Minutes },
            Eval = cfg.Eval with { Every = budget.EvalEvery, PromptsPerFamily = budget.PromptsPerFamily },
        };
        var runDir = Path.Combine(outDir, $"{Path.GetFileNameWithoutExtension(configPath)}-seed{seed}");
        if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
        var reports = new List<IterationReport>();
        var trainer = new GrpoTrainer(cfg, runDir);
        trainer.IterationCompleted += reports.Add;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        trainer.Run(resume: false);
        double n = reports.Count;
        var before = trainer.Evaluations[0];
        var after = trainer.Evaluations[^1];
        double? toTarget = null;
        for (int k = 0; k < trainer.Evaluations.Count; k++)
            if (trainer.Evaluations[k].OverallStrict >= before.OverallStrict + budget.TargetGain) { toTarget = trainer.TrainingSecondsAtEvaluation[k]; break; }
        var result = new StrategyResult(Path.GetFileName(configPath), cfg.Strategy, seed, reports.Count, before.OverallStrict, after.OverallStrict,
            before.OverallPartial, after.OverallPartial,
            reports.Average(r => r.Rollout.Seconds + r.RewardSeconds + r.TrainSeconds),
            reports.Average(r => r.Rollout.Seconds), reports.Average(r => r.RewardSeconds), reports.Average(r => r.TrainSeconds),
            reports.Average(r => (double)r.Rollout.ModelForwards), reports.Average(r => (double)r.Update.TrainingForwards),
            clock.Elapsed.TotalSeconds, trainer.TrainingSecondsAtEvaluation[^1], toTarget,
            trainer.Evaluations.Select(e => e.OverallStrict).ToList(), trainer.TrainingSecondsAtEvaluation.ToList(), after.Strict);
        progress?.Invoke(result);
        return result;
    }

    public static void Save(IReadOnlyList<StrategyResult> results, string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
}
