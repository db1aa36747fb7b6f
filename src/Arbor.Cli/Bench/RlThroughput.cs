using System.Text.Json;
using Arbor.Configuration;
using Arbor.Runs;
using Arbor.Tensors;
using Arbor.Training;

namespace Arbor.Cli.Bench;

/// <summary>One config's RL throughput in fp32 and bf16: images (rollout leaves) per second of rollout + reward + training.</summary>
/// <param name="Config">The config file's name.</param>
/// <param name="ImagesPerIteration">Leaves per iteration (the strategy's images, trees included).</param>
/// <param name="Fp32">Seconds per iteration in fp32, every timed iteration of every round.</param>
/// <param name="Bf16">The same in bf16.</param>
/// <param name="RoundRatios">Per round, fp32's median seconds over bf16's: the paired speed-up, one value per round.</param>
public sealed record RlThroughputRow(string Config, string Strategy, double ImagesPerIteration, Sample Fp32, Sample Bf16,
    Sample Fp32Rollout, Sample Bf16Rollout, Sample Fp32Train, Sample Bf16Train, double[] RoundRatios)
{
    public double Fp32ImagesPerSecond => ImagesPerIteration / Fp32.Median;
    public double Bf16ImagesPerSecond => ImagesPerIteration / Bf16.Median;
    public double Speedup => new Sample(RoundRatios).Median;
}

/// <summary>
/// `arbor bench rl-throughput` (issue #20's table): each config's RL iterations timed in fp32 and bf16 through the real
/// trainer (<see cref="GrpoTrainer"/>: rollout, reward, advantages, update), rounds alternating which precision runs
/// first so that a machine's drift falls on both. Each run starts from the base with the config's seed, so both
/// precisions roll out the same prompts; its first iteration is a warm-up (allocator, thread pool, oneDNN kernels) and
/// is not timed. The held-out evaluations a run makes at its start and end use one prompt per family, are not cached
/// into the model directory, and are not timed.
/// </summary>
public static class RlThroughput
{
    public const string ResultsFile = "throughput.json";
    public static readonly OutputKind Output = OutputKind.Directory("an `arbor bench rl-throughput` output", [ResultsFile]);

    /// <summary>An empty or earlier rl-throughput output becomes this one's (<see cref="BenchOutput.Prepare"/>); anything else
    /// is refused.</summary>
    public static void PrepareOutput(string outDir) => BenchOutput.Prepare(outDir, Output, ResultsFile);

    public static RlThroughputRow Run(string configPath, string model, int rounds, int iterations, string outDir,
        Action<string>? progress = null)
    {
        var baseConfig = ConfigLoader.Load<GrpoTrainConfig>(configPath);
        var times = new Dictionary<Precision, List<(double Total, double Rollout, double Train)>>
        {
            [Precision.Fp32] = [], [Precision.Bf16] = [],
        };
        var ratios = new List<double>();
        double images = 0;
        for (int round = 0; round < rounds; round++)
        {
            Precision[] order = round % 2 == 0 ? [Precision.Fp32, Precision.Bf16] : [Precision.Bf16, Precision.Fp32];
            var medians = new Dictionary<Precision, double>();
            foreach (var precision in order)
            {
                var cfg = baseConfig with
                {
                    Model = model,
                    Train = baseConfig.Train with
                    {
                        Iterations = iterations + 1,
                        CheckpointEvery = iterations + 1,
                        TimeBudgetMinutes = 0,
                        Precision = precision,
                    },
                    Eval = baseConfig.Eval with { Every = 0, PromptsPerFamily = 1, CacheBase = false },
                };
                string name = ComputePrecision.Name(precision);
                var runDir = Path.Combine(outDir, $"{Path.GetFileNameWithoutExtension(configPath)}-{name}-round{round}");
                OutputGuard.ReplacePrevious(runDir, RunDirectory.Rl);
                var reports = new List<IterationReport>();
                var trainer = new GrpoTrainer(cfg, runDir);
                trainer.IterationCompleted += reports.Add;
                trainer.Run(resume: false);
                var timed = reports.Skip(1).ToList();
                static double Total(IterationReport r) => r.Rollout.Seconds + r.RewardSeconds + r.TrainSeconds;
                times[precision].AddRange(timed.Select(r => (Total(r), r.Rollout.Seconds, r.TrainSeconds)));
                medians[precision] = new Sample([.. timed.Select(Total)]).Median;
                images = timed.Average(r => (double)r.Rollout.Leaves);
                progress?.Invoke($"{Path.GetFileName(configPath)} round {round + 1} {name}: "
                    + $"{medians[precision]:F2} s/iteration, {images / medians[precision]:F1} images/s");
            }
            ratios.Add(medians[Precision.Fp32] / medians[Precision.Bf16]);
        }
        Sample Of(Precision p, Func<(double Total, double Rollout, double Train), double> f) =>
            new([.. times[p].Select(f)]);
        return new RlThroughputRow(Path.GetFileName(configPath), baseConfig.Strategy, images,
            Of(Precision.Fp32, x => x.Total), Of(Precision.Bf16, x => x.Total),
            Of(Precision.Fp32, x => x.Rollout), Of(Precision.Bf16, x => x.Rollout),
            Of(Precision.Fp32, x => x.Train), Of(Precision.Bf16, x => x.Train), [.. ratios]);
    }

    public static void Save(IReadOnlyList<RlThroughputRow> rows, string path) =>
        File.WriteAllText(path, JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
}
