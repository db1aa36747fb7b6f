using System.Text.Json;
using Arbor.Configuration;
using Arbor.Training;

namespace Arbor.Cli.Bench;

/// <summary>One strategy's result at the shared budget.</summary>
public sealed record StrategyResult(string Config, string Strategy, int Iterations, double StrictBefore, double StrictAfter,
    double PartialBefore, double PartialAfter, double SecondsPerIteration, double RolloutSeconds, double RewardSeconds, double TrainSeconds,
    double NfePerIteration, double TrainedForwardsPerIteration, double WallSeconds, IReadOnlyDictionary<string, double> StrictAfterByFamily);

/// <summary>
/// Runs several training configs from the same base with the same budget (iterations, prompts per iteration,
/// evaluation) and summarizes them side by side (ALGORITHMS.md §7: per-iteration time and NFE, and accuracy).
/// </summary>
public static class StrategyComparison
{
    public static StrategyResult Run(string configPath, int iterations, int promptsPerFamily, string outDir, string model)
    {
        var cfg = ConfigLoader.Load<GrpoTrainConfig>(configPath);
        cfg = cfg with
        {
            Model = model,
            Train = cfg.Train with { Iterations = iterations, CheckpointEvery = Math.Max(1, iterations) },
            Eval = cfg.Eval with { Every = 0, PromptsPerFamily = promptsPerFamily },
        };
        var runDir = Path.Combine(outDir, Path.GetFileNameWithoutExtension(configPath));
        if (Directory.Exists(runDir)) Directory.Delete(runDir, recursive: true);
        var reports = new List<IterationReport>();
        var trainer = new GrpoTrainer(cfg, runDir);
        trainer.IterationCompleted += reports.Add;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        trainer.Run(resume: false);
        double n = reports.Count;
        var before = trainer.Evaluations[0];
        var after = trainer.Evaluations[^1];
        return new StrategyResult(Path.GetFileName(configPath), cfg.Strategy, iterations, before.OverallStrict, after.OverallStrict,
            before.OverallPartial, after.OverallPartial,
            reports.Average(r => r.Rollout.Seconds + r.RewardSeconds + r.TrainSeconds),
            reports.Average(r => r.Rollout.Seconds), reports.Average(r => r.RewardSeconds), reports.Average(r => r.TrainSeconds),
            reports.Average(r => (double)r.Rollout.ModelForwards), reports.Average(r => (double)r.Update.TrainingForwards),
            clock.Elapsed.TotalSeconds, after.Strict);
    }

    public static void Save(IReadOnlyList<StrategyResult> results, string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(results, new JsonSerializerOptions { WriteIndented = true }));
}
