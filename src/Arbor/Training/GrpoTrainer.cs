using Arbor.Runs;
using Arbor.Runs.Metrics;
using Arbor.Configuration;
using Arbor.Distributed;
using Arbor.Evaluation;
using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Rewards;
using Arbor.Rollouts;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;
using Arbor.Worlds;

namespace Arbor.Training;

/// <summary>
/// An RL post-training run (`arbor train`). Run directory:
/// <code>
///   config.yaml     effective config           metrics.jsonl   one line per iteration and evaluation
///   checkpoint/     latest checkpoint (atomic; --resume continues from it exactly)
///   samples/        evaluation grids           final/          the trained LoRA (or weights)
/// </code>
/// Data-parallel over the ranks of <c>parallel</c> (`arbor launch`, torchrun): each rank rolls out its block of every
/// iteration's prompts (whole groups and trees), the rewards are all-gathered for the advantages, gradients are summed
/// across ranks before each step, and rank 0 alone writes the run directory and evaluates.
/// The prompts and the held-out evaluation come from a world (<paramref name="world"/>; by default the one config.World
/// names, <see cref="BuiltInWorlds.ForRl"/>).
/// </summary>
public sealed class GrpoTrainer(GrpoTrainConfig config, string runDirectory, DataParallel? parallel = null, RlWorld? world = null)
{
    private readonly RlWorld _world = world ?? BuiltInWorlds.ForRl(config.World, config.Split, config.Train.FamilyWeights, config.Model);

    public event Action<IterationReport>? IterationCompleted;
    public event Action<EvaluationReport>? Evaluated;

    /// <summary>The ranks this run trains on (one process when none were given).</summary>
    public DataParallel Parallel { get; } = parallel ?? DataParallel.Single();

    public string CheckpointDirectory => Path.Combine(runDirectory, "checkpoint");
    public string FinalDirectory => Path.Combine(runDirectory, "final");

    /// <summary>The evaluations of this run (the first one is the starting policy's).</summary>
    public List<EvaluationReport> Evaluations { get; } = new();

    /// <summary>Rollout + reward + training seconds spent before each of <see cref="Evaluations"/> (for time-to-target).</summary>
    public List<double> TrainingSecondsAtEvaluation { get; } = new();

    /// <summary>
    /// Trains to config.Train.Iterations. A directory that already holds a run is continued only with
    /// <paramref name="resume"/> and replaced only with <paramref name="overwrite"/> (<see cref="RunDirectory"/>),
    /// and one process at a time writes it (<see cref="RunLock"/>).
    /// </summary>
    public void Run(bool resume, long? stopAfter = null, CancellationToken cancel = default, bool overwrite = false)
    {
        var dp = Parallel;
        bool main = dp.IsMain;
        if (dp.WorldSize > config.Train.PromptsPerIteration)
        {
            throw new ConfigException($"train.prompts_per_iteration {config.Train.PromptsPerIteration} is smaller than the " +
                $"{dp.WorldSize} ranks: each rank rolls out whole prompt groups, so every rank needs at least one");
        }
        // a remote reward server that is missing fails the run now, in seconds, not after loading the model, the
        // first evaluation and the first rollout; every rank scores its own prompts, so every rank checks
        if (config.Reward.Names.Contains("remote")) CheckRewardServer(cancel);
        // rank 0 owns the run directory; the others read its checkpoint on a resume, once it has prepared it
        if (main) RunDirectory.PrepareForRun(runDirectory, RunDirectory.Rl, resume, overwrite);
        using var runLock = main ? RunLock.Acquire(runDirectory) : null;
        dp.Barrier();

        // ---- the policy: the pretrained base, with LoRA adapters (or fully trainable); text encoder frozen ----
        using var pipeline = TextToImagePipeline.Load(config.Model);
        var model = pipeline.Model;
        if (config.Lora.Enabled)
        {
            using var init = new Generator(config.Seed);
            LoraInjection.Apply(model, config.Lora.Pattern, config.Lora.Rank, config.Lora.Alpha, init);
        }
        model.TextEncoder.Freeze();
        using var optimizer = AdamW.DecayingMatricesOnly(model.NamedParameters(trainableOnly: true),
            new AdamWOptions { LearningRate = config.Optim.LearningRate, WeightDecay = config.Optim.WeightDecay });

        // ---- the method: strategy, engine, loss, rewards ----
        var strategy = StrategyRegistry.Create(config);
        var engine = new RolloutEngine(pipeline, config.Rollout);
        var trainer = PolicyUpdates.Create(config, pipeline, strategy, engine);
        using var disposeTrainer = trainer as IDisposable;
        var rewards = BuildRewards();
        var iteration = new GrpoIteration(pipeline, strategy, engine, rewards, config.Advantage, trainer, optimizer, dp);

        using var ema = config.Train.EmaDecay > 0 ? new ExponentialMovingAverage(model, config.Train.EmaDecay) : null;
        long start = 0;
        double trainingSeconds = 0;
        if (resume && AtomicDirectory.Resolve(CheckpointDirectory) is not null)
            (start, trainingSeconds) = GrpoCheckpoint.Load(CheckpointDirectory, model, config.Lora.Enabled, optimizer, ema, trainer.State);
        // written once a resume's checkpoint has loaded: a --resume that fails leaves the run's config as it was
        if (main) File.WriteAllText(Path.Combine(runDirectory, "config.yaml"), ConfigLoader.ToYaml(config));
        // every rank starts from rank 0's weights (the same seed or checkpoint gives them anyway; this makes it certain)
        dp.Broadcast(model.Parameters(trainableOnly: true));
        double budgetSeconds = config.Train.TimeBudgetMinutes * 60;
        var metricsPath = Path.Combine(runDirectory, "metrics.jsonl");
        // the iterations after the checkpoint are done again: their lines go, so the log equals an uninterrupted run's
        if (main && resume && start > 0) MetricsLog.TruncateAfter(metricsPath, MetricsPosition.Iteration, start);
        using var metrics = main ? MetricsWriter.Open(metricsPath, append: resume && start > 0) : MetricsWriter.Discard();
        try
        {
            // rank 0 evaluates alone; the others wait for it in the next iteration's collectives (within the group's timeout)
            if (main && start == 0)
            {
                Evaluate(pipeline, ema, 0, trainingSeconds, metrics);
            }
            // a kill between the checkpoint at `start` and its evaluation: the evaluation is done now, as it would have been
            else if (main && config.Eval.Every > 0 && start % config.Eval.Every == 0
                && !MetricsLog.Has(metricsPath, MetricsLineHead.Eval, MetricsPosition.Iteration, start))
            {
                Evaluate(pipeline, ema, start, trainingSeconds, metrics);
            }

            int bad = 0;
            bool BudgetSpent() => budgetSeconds > 0 && trainingSeconds >= budgetSeconds;
            long checkpointed = start;
            for (long it = start; it < config.Train.Iterations && !BudgetSpent(); it++)
            {
                if (dp.AnyRank(cancel.IsCancellationRequested))
                {
                    // stopped on request between iterations (on every rank at the same one): what was done is kept, the run resumes here
                    if (main && it > checkpointed)
                    {
                        GrpoCheckpoint.Save(CheckpointDirectory, model, config.Lora.Enabled, optimizer, it, config, ema,
                            trainingSeconds, trainer.State);
                    }
                    throw new RunInterruptedException(it, runDirectory, "iteration");
                }
                // ---- one iteration; all of its randomness derives from (seed,
                // iteration), a prompt's rollout noise from (seed, iteration, prompt) ----
                var allPrompts = PromptsFor(it);
                var (first, count) = dp.Shard(allPrompts.Count);
                var noise = Enumerable.Range(first, count)
                    .Select(j => new Generator(SeedHash.Of(config.Seed, (ulong)it, 1, (ulong)j))).ToList();
                IterationReport report;
                double commBefore = dp.CommunicationSeconds;
                long bytesBefore = dp.BytesReduced;
                try
                {
                    using var precision = ComputePrecision.Use(config.Train.Precision);
                    report = iteration.Run(it, allPrompts.GetRange(first, count), noise,
                        new Random((int)(SeedHash.Of(config.Seed, (ulong)it, 2) & 0x7fffffff)), first);
                }
                finally { noise.ForEach(g => g.Dispose()); }
                bool finite = double.IsFinite(report.Update.Loss) && double.IsFinite(report.Update.GradNorm)
                    && report.Update.SkippedUpdates == 0;
                bad = finite ? 0 : bad + 1;
                if (finite) ema?.Update(it);
                // the iteration took as long as its slowest rank: every rank counts that, so a time budget ends on all at once
                trainingSeconds += dp.IsDistributed ? dp.Gather([report.Rollout.Seconds + report.RewardSeconds + report.TrainSeconds]).Max()
                    : report.Rollout.Seconds + report.RewardSeconds + report.TrainSeconds;
                if (main)
                {
                    var communication = (Seconds: dp.CommunicationSeconds - commBefore, Bytes: dp.BytesReduced - bytesBefore);
                    metrics.Write(IterationLine(report, finite, trainingSeconds, FamilyRewards(report),
                        dp.WorldSize, communication));
                    IterationCompleted?.Invoke(report);
                }
                if (bad >= config.Train.MaxBadIterations)
                {
                    throw new InvalidOperationException($"training stopped at iteration {it + 1}: {bad} iterations in a row with a " +
                        $"non-finite loss or gradient (their updates were skipped); the last checkpoint is intact in " +
                        $"{CheckpointDirectory}");
                }

                // ---- checkpoint and held-out evaluation ----
                bool last = it + 1 == config.Train.Iterations || BudgetSpent();
                bool stopping = stopAfter is { } s && it + 1 >= s;
                // --stop-after N checkpoints at N whatever checkpoint_every is, so a resume starts at N + 1
                if (main && ((it + 1) % config.Train.CheckpointEvery == 0 || last || stopping))
                {
                    GrpoCheckpoint.Save(CheckpointDirectory, model, config.Lora.Enabled, optimizer, it + 1, config, ema,
                        trainingSeconds, trainer.State);
                    checkpointed = it + 1;
                }
                if (main && (last || (config.Eval.Every > 0 && (it + 1) % config.Eval.Every == 0)))
                    Evaluate(pipeline, ema, it + 1, trainingSeconds, metrics);
                if (last) break;
                if (stopping) return;
            }
            if (!main) return;
            Reporting.RunReport.Write(runDirectory, $"arbor train: {config.Strategy}");
            // final/ holds the weights that were evaluated: the EMA when the run keeps one.
            using (ema?.Applied())
            {
                Directory.CreateDirectory(FinalDirectory);
                if (config.Lora.Enabled) LoraFile.Save(model, Path.Combine(FinalDirectory, GrpoCheckpoint.LoraFileName));
                else pipeline.Save(FinalDirectory);
            }
        }
        finally
        {
            foreach (var (reward, _) in rewards) (reward as IDisposable)?.Dispose();
        }
    }

    /// <summary>GET /health on the remote reward's server, retried as a score request would be;
    /// throws a <see cref="RewardServerException"/> naming the address and what failed.</summary>
    private void CheckRewardServer(CancellationToken cancel)
    {
        using var probe = new RemoteReward(config.Reward.Remote);
        probe.CheckHealthAsync(cancel).GetAwaiter().GetResult();
    }

    private List<(IRewardFunction, double)> BuildRewards() =>
        config.Reward.Names.Select((name, k) => (
            name == "remote" ? (IRewardFunction)new RemoteReward(config.Reward.Remote) : BuiltInRewards.Create(name),
            config.Reward.Weights.Count > k ? config.Reward.Weights[k] : 1.0)).ToList();

    /// <summary>Prompts of iteration <paramref name="it"/>: the world's, a fixed function of it.</summary>
    public List<string> PromptsFor(long it) =>
        [.. Enumerable.Range(0, config.Train.PromptsPerIteration).Select(j => PromptFor(it, j).Text)];

    /// <summary>Prompt <paramref name="j"/> of iteration <paramref name="it"/> and its family.</summary>
    private RlPrompt PromptFor(long it, int j) => _world.Prompts.At((it * config.Train.PromptsPerIteration) + j);

    /// <summary>The mean reward of each family's prompts in the iteration of <paramref name="report"/> (for the
    /// training-reward trend), in the world's order of families.</summary>
    private Dictionary<string, double> FamilyRewards(IterationReport report)
    {
        var families = _world.Prompts.Families.ToList();
        return report.PromptRewardMeans.Select((r, j) => (PromptFor(report.Iteration, j).Family, r)).Where(x => double.IsFinite(x.r))
            .GroupBy(x => x.Family).OrderBy(g => families.IndexOf(g.Key)).ToDictionary(g => g.Key, g => g.Average(x => x.r));
    }

    private void Evaluate(TextToImagePipeline pipeline, ExponentialMovingAverage? ema, long it, double trainingSeconds,
        MetricsWriter metrics)
    {
        EvaluationReport report;
        pipeline.Model.Eval();
        // held-out numbers mean the same whatever precision the run trains in: the evaluator samples in eval.precision,
        // and the rest here (the tree picture) in fp32
        using var fp32 = ComputePrecision.Fp32();
        using (ema?.Applied())
        {
            var samples = Path.Combine(runDirectory, "samples");
            report = _world.Evaluator.Evaluate(pipeline, config.Eval, it, samples);
            // the tree picture goes there too, whether or not the world's evaluator wrote anything
            Directory.CreateDirectory(samples);
            var treePrompt = PromptsFor(it)[0];
            File.WriteAllText(Path.Combine(samples, $"tree-{it:D6}.svg"),
                TreeInspection.Render(pipeline, config, treePrompt, it, config.Eval.Seed));
        }
        pipeline.Model.Train();
        TrainingSecondsAtEvaluation.Add(trainingSeconds);
        metrics.Write(new EvalRecord
        {
            Iteration = it,
            Sets = EvalSetRecord.ByName(report),
            Seconds = report.Seconds,
            Cached = report.Cached,
            TrainingSeconds = trainingSeconds,
            Ema = ema is not null
        });
        Evaluations.Add(report);
        Reporting.RunReport.Write(runDirectory, $"arbor train: {config.Strategy}");
        Evaluated?.Invoke(report);
    }

    /// <summary>
    /// One iteration's metrics line; with several ranks also the world size and rank 0's seconds in collectives
    /// (including waits for slower ranks) and bytes it sent into them.
    /// </summary>
    private static TrainIterationRecord IterationLine(IterationReport r, bool finite, double trainingSeconds,
        IReadOnlyDictionary<string, double> familyRewards,
        int worldSize, (double Seconds, long Bytes) communication) => new()
        {
            Iteration = r.Iteration + 1,
            RewardMean = r.RewardMean,
            RewardStd = r.RewardStd,
            Components = r.ComponentMeans,
            FamilyRewards = familyRewards,
            ZeroVarianceShare = r.Advantages.ZeroVarianceShare,
            Loss = r.Update.Loss,
            ApproxKl = r.Update.ApproxKl,
            Kl = r.Update.Kl,
            ClipFraction = r.Update.ClipFraction,
            RatioMean = r.Update.RatioMean,
            RatioStd = r.Update.RatioStd,
            GradNorm = r.Update.GradNorm,
            Signal = r.Update.Signal,
            SignalEdges = r.Update.SignalEdges,
            Skipped = !finite,
            Nfe = r.Rollout.ModelForwards,
            TrainedForwards = r.Update.TrainingForwards,
            TrainedEdges = r.Update.Edges,
            Images = r.Rollout.Leaves,
            SecondsRollout = r.Rollout.Seconds,
            SecondsReward = r.RewardSeconds,
            SecondsTrain = r.TrainSeconds,
            TrainingSeconds = trainingSeconds,
            WorldSize = worldSize,
            SecondsCommunication = communication.Seconds,
            BytesCommunicated = communication.Bytes,
        };
}
