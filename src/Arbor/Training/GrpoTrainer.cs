using Arbor.Runs;
using Arbor.Runs.Metrics;
using Arbor.Configuration;
using Arbor.Distributed;
using Arbor.Evaluation;
using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Reporting;
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
///   best/           with train.keep_best: the weights of the best training-reward window, and best.json
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
    public string BestDirectory => Path.Combine(runDirectory, "best");

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
        CheckBeforeLoading(cancel);
        using var runLock = PrepareRunDirectory(resume, overwrite);
        using var policy = LoadPolicy(config);
        using var method = BuildMethod(policy);
        using var ema = config.Train.EmaDecay > 0 ? new ExponentialMovingAverage(policy.Model, config.Train.EmaDecay) : null;
        var progress = RestoreProgress(resume, policy, method, ema);
        using var metrics = OpenMetrics(resume, progress.Start);
        EvaluateIfDueAtStart(policy.Pipeline, ema, progress, metrics);
        if (!TrainIterations(policy, method, ema, progress, metrics, stopAfter, cancel) || !Parallel.IsMain) return;
        RunReport.Write(runDirectory, $"arbor train: {config.Strategy}");
        SaveFinalWeights(policy, ema);
    }

    /// <summary>The trainable model and its optimizer: the pretrained base with LoRA adapters (or fully trainable), its
    /// text encoder frozen.</summary>
    internal sealed class Policy(TextToImagePipeline pipeline, Optimizer optimizer) : IDisposable
    {
        public TextToImagePipeline Pipeline => pipeline;
        public FlowDiT Model => pipeline.Model;
        public Optimizer Optimizer => optimizer;

        public void Dispose()
        {
            optimizer.Dispose();
            pipeline.Dispose();
        }
    }

    /// <summary>The method: the strategy's rollouts, its loss and the rewards, run together as one iteration.</summary>
    private sealed class Method(IPolicyUpdate trainer, List<(IRewardFunction, double)> rewards, GrpoIteration iteration)
        : IDisposable
    {
        public IPolicyUpdate Trainer => trainer;
        public GrpoIteration Iteration => iteration;

        public void Dispose() => Release(trainer, rewards);
    }

    /// <summary>Disposes what a method holds: its update's old policy and the rewards that hold resources.</summary>
    internal static void Release(IPolicyUpdate trainer, IEnumerable<(IRewardFunction, double)> rewards)
    {
        foreach (var (reward, _) in rewards) (reward as IDisposable)?.Dispose();
        (trainer as IDisposable)?.Dispose();
    }

    /// <summary>Where the run is: the next iteration, the training seconds spent, the last iteration checkpointed and how
    /// many iterations in a row had a non-finite loss or gradient.</summary>
    private sealed class Progress(long start, double trainingSeconds, BestWeights? best)
    {
        public long Start { get; } = start;
        /// <summary>The best-weights choice with train.keep_best, else null.</summary>
        public BestWeights? Best { get; } = best;
        public double TrainingSeconds { get; set; } = trainingSeconds;
        public long Checkpointed { get; set; } = start;
        public int BadInARow { get; set; }
    }

    /// <summary>What can fail in seconds fails before the model loads: more ranks than prompts, a missing reward server, a
    /// stochastic step or ODE solver of the other model kind.</summary>
    private void CheckBeforeLoading(CancellationToken cancel)
    {
        if (Parallel.WorldSize > config.Train.PromptsPerIteration)
        {
            throw new ConfigException($"train.prompts_per_iteration {config.Train.PromptsPerIteration} is smaller than the " +
                $"{Parallel.WorldSize} ranks: each rank rolls out whole prompt groups, so every rank needs at least one");
        }
        // a remote reward server that is missing fails the run now, in seconds, not after loading the model, the
        // first evaluation and the first rollout; every rank scores its own prompts, so every rank checks
        if (config.Reward.Names.Contains("remote")) CheckRewardServer(cancel);
        // a flow step on an ε-model (or the reverse) too, from the model's model.yaml (a missing one is the load's error)
        if (File.Exists(Path.Combine(config.Model, TextToImagePipeline.ConfigFile)))
        {
            RolloutEngine.CheckKinds(StrategyRegistry.Create(config), config.Rollout, TextToImagePipeline.ReadKind(config.Model),
                $"'{config.Model}'");
        }
    }

    /// <summary>Rank 0 owns the run directory and locks it; the others read its checkpoint on a resume, once it has
    /// prepared it.</summary>
    private RunLock? PrepareRunDirectory(bool resume, bool overwrite)
    {
        if (Parallel.IsMain) RunDirectory.PrepareForRun(runDirectory, RunDirectory.Rl, resume, overwrite);
        var runLock = Parallel.IsMain ? RunLock.Acquire(runDirectory) : null;
        try
        {
            Parallel.Barrier();
            return runLock;
        }
        catch
        {
            runLock?.Dispose();
            throw;
        }
    }

    /// <summary>The run's policy as its first iteration finds it (also <see cref="GradientNoiseProbe"/>'s).</summary>
    internal static Policy LoadPolicy(GrpoTrainConfig config)
    {
        var pipeline = TextToImagePipeline.Load(config.Model);
        try
        {
            var model = pipeline.Model;
            if (config.Lora.Enabled)
            {
                using var init = new Generator(config.Seed);
                LoraInjection.Apply(model, config.Lora.Pattern, config.Lora.Rank, config.Lora.Alpha, init);
            }
            model.TextEncoder.Freeze();
            var optimizer = AdamW.DecayingMatricesOnly(model.NamedParameters(trainableOnly: true),
                new AdamWOptions { LearningRate = config.Optim.LearningRate, WeightDecay = config.Optim.WeightDecay });
            return new Policy(pipeline, optimizer);
        }
        catch
        {
            pipeline.Dispose();
            throw;
        }
    }

    private Method BuildMethod(Policy policy)
    {
        var strategy = StrategyRegistry.Create(config);
        var engine = new RolloutEngine(policy.Pipeline, config.Rollout);
        var trainer = PolicyUpdates.Create(config, policy.Pipeline, strategy, engine);
        engine.FoldAdapters = !trainer.UsesRolloutLogProbs;
        var rewards = new List<(IRewardFunction, double)>();
        try
        {
            if (StrategyRegistry.GuidanceIntervalProblem(config) is { } interval) throw new ConfigException(interval);
            rewards.AddRange(BuildRewards(config));
            var iteration = new GrpoIteration(policy.Pipeline, strategy, engine, rewards, config.Advantage, trainer,
                policy.Optimizer, Parallel);
            return new Method(trainer, rewards, iteration);
        }
        catch
        {
            Release(trainer, rewards);
            throw;
        }
    }

    /// <summary>A resume loads the checkpoint; then rank 0 writes the run's config and every rank takes rank 0's weights.</summary>
    private Progress RestoreProgress(bool resume, Policy policy, Method method, ExponentialMovingAverage? ema)
    {
        var state = new GrpoCheckpoint.State(0);
        if (resume && AtomicDirectory.Resolve(CheckpointDirectory) is not null)
        {
            state = GrpoCheckpoint.Load(CheckpointDirectory, policy.Model, config.Lora.Enabled, policy.Optimizer, ema,
                method.Trainer.State);
        }
        // written once a resume's checkpoint has loaded: a --resume that fails leaves the run's config as it was
        if (Parallel.IsMain) File.WriteAllText(Path.Combine(runDirectory, "config.yaml"), ConfigLoader.ToYaml(config));
        // every rank starts from rank 0's weights (the same seed or checkpoint gives them anyway; this makes it certain)
        Parallel.Broadcast(policy.Model.Parameters(trainableOnly: true));
        return new Progress(state.Iterations, state.TrainingSeconds,
            config.Train.KeepBest ? new BestWeights(config.Train.BestWindow, state.Best) : null);
    }

    /// <summary>Rank 0's metrics log; the other ranks write nothing.</summary>
    private MetricsWriter OpenMetrics(bool resume, long start)
    {
        if (!Parallel.IsMain) return MetricsWriter.Discard();
        var metricsPath = MetricsPath;
        // the iterations after the checkpoint are done again: their lines go, so the log equals an uninterrupted run's
        if (resume && start > 0) MetricsLog.TruncateAfter(metricsPath, MetricsPosition.Iteration, start);
        return MetricsWriter.Open(metricsPath, append: resume && start > 0);
    }

    private string MetricsPath => Path.Combine(runDirectory, "metrics.jsonl");

    /// <summary>
    /// The starting policy's evaluation on a new run, or on a resume the evaluation of the checkpoint it starts from when a
    /// kill came between that checkpoint and its evaluation. Rank 0 evaluates alone; the others wait for it in the next
    /// iteration's collectives (within the group's timeout).
    /// </summary>
    private void EvaluateIfDueAtStart(TextToImagePipeline pipeline, ExponentialMovingAverage? ema, Progress progress,
        MetricsWriter metrics)
    {
        if (!Parallel.IsMain) return;
        long start = progress.Start;
        if (start == 0
            || (config.Eval.Every > 0 && start % config.Eval.Every == 0
                && !MetricsLog.Has(MetricsPath, MetricsLineHead.Eval, MetricsPosition.Iteration, start)))
        {
            Evaluate(pipeline, ema, start, progress.TrainingSeconds, metrics);
        }
    }

    /// <summary>
    /// The iterations from the checkpoint to config.Train.Iterations or the time budget, each checkpointed and evaluated
    /// when due; false when the run stopped early at <paramref name="stopAfter"/>.
    /// </summary>
    private bool TrainIterations(Policy policy, Method method, ExponentialMovingAverage? ema, Progress progress,
        MetricsWriter metrics, long? stopAfter, CancellationToken cancel)
    {
        for (long it = progress.Start; it < config.Train.Iterations && !BudgetSpent(progress); it++)
        {
            if (Parallel.AnyRank(cancel.IsCancellationRequested)) StopOnRequest(it, policy, method, ema, progress);
            var communicationBefore = (Seconds: Parallel.CommunicationSeconds, Bytes: Parallel.BytesReduced);
            policy.Optimizer.LearningRate = config.Optim.LearningRateAt(it, config.Train.Iterations);
            var report = RunIteration(method.Iteration, it);
            Record(report, communicationBefore, ema, progress, metrics);

            bool last = it + 1 == config.Train.Iterations || BudgetSpent(progress);
            bool stopping = stopAfter is { } s && it + 1 >= s;
            // --stop-after N checkpoints at N whatever checkpoint_every is, so a resume starts at N + 1
            bool regularCheckpoint = (it + 1) % config.Train.CheckpointEvery == 0 || last;
            if (Parallel.IsMain && (regularCheckpoint || stopping))
            {
                // the best weights are chosen at the regular checkpoints alone, so that a --stop-after between them
                // resumes into the choices an uninterrupted run makes; best/ is written before the checkpoint that
                // records it, so a kill between the two replays the iterations and writes the same best/ again
                if (regularCheckpoint && progress.Best?.TryImprove(it + 1) == true)
                    SaveBestWeights(policy, ema, progress.Best);
                SaveCheckpoint(it + 1, policy, method, ema, progress);
            }
            if (Parallel.IsMain && (last || (config.Eval.Every > 0 && (it + 1) % config.Eval.Every == 0)))
            {
                Evaluate(policy.Pipeline, ema, it + 1, progress.TrainingSeconds, metrics);
            }
            if (last) break;
            if (stopping) return false;
        }
        return true;
    }

    private bool BudgetSpent(Progress progress) =>
        config.Train.TimeBudgetMinutes > 0 && progress.TrainingSeconds >= config.Train.TimeBudgetMinutes * 60;

    /// <summary>Stopped on request between iterations (on every rank at the same one): what was done is kept, and the run
    /// resumes at <paramref name="it"/>.</summary>
    private void StopOnRequest(long it, Policy policy, Method method, ExponentialMovingAverage? ema, Progress progress)
    {
        if (Parallel.IsMain && it > progress.Checkpointed) SaveCheckpoint(it, policy, method, ema, progress);
        throw new RunInterruptedException(it, runDirectory, "iteration");
    }

    private void SaveCheckpoint(long next, Policy policy, Method method, ExponentialMovingAverage? ema, Progress progress)
    {
        GrpoCheckpoint.Save(CheckpointDirectory, policy.Model, config.Lora.Enabled, policy.Optimizer, next, config, ema,
            progress.TrainingSeconds, method.Trainer.State, progress.Best?.ToState());
        progress.Checkpointed = next;
    }

    /// <summary>One iteration on this rank's block of prompts. All of its randomness derives from (seed, iteration), a
    /// prompt's rollout noise from (seed, iteration, prompt).</summary>
    private IterationReport RunIteration(GrpoIteration iteration, long it)
    {
        var allPrompts = PromptsFor(it);
        var (first, count) = Parallel.Shard(allPrompts.Count);
        var noise = Enumerable.Range(first, count)
            .Select(j => new Generator(SeedHash.Of(config.Seed, (ulong)it, 1, (ulong)j))).ToList();
        try
        {
            using var precision = ComputePrecision.Use(config.Train.Precision);
            return iteration.Run(it, allPrompts.GetRange(first, count), noise,
                new Random((int)(SeedHash.Of(config.Seed, (ulong)it, 2) & 0x7fffffff)), first);
        }
        finally { noise.ForEach(g => g.Dispose()); }
    }

    /// <summary>
    /// Accounts for an iteration: the EMA follows a finite update, the training seconds grow by the slowest rank's, rank 0
    /// logs the metrics line, and config.Train.MaxBadIterations non-finite iterations in a row stop the run.
    /// </summary>
    private void Record(IterationReport report, (double Seconds, long Bytes) communicationBefore, ExponentialMovingAverage? ema,
        Progress progress, MetricsWriter metrics)
    {
        bool finite = double.IsFinite(report.Update.Loss) && double.IsFinite(report.Update.GradNorm)
            && report.Update.SkippedUpdates == 0;
        progress.BadInARow = finite ? 0 : progress.BadInARow + 1;
        if (finite) ema?.Update(report.Iteration);
        // the iteration took as long as its slowest rank: every rank counts that, so a time budget ends on all at once
        double seconds = report.Rollout.Seconds + report.RewardSeconds + report.TrainSeconds;
        progress.TrainingSeconds += Parallel.IsDistributed ? Parallel.Gather([seconds]).Max() : seconds;
        if (Parallel.IsMain)
        {
            var communication = (Seconds: Parallel.CommunicationSeconds - communicationBefore.Seconds,
                Bytes: Parallel.BytesReduced - communicationBefore.Bytes);
            metrics.Write(IterationLine(report, finite, progress.TrainingSeconds, FamilyRewards(report), Parallel.WorldSize,
                communication));
            IterationCompleted?.Invoke(report);
        }
        progress.Best?.Add(report.RewardMean);
        if (progress.BadInARow >= config.Train.MaxBadIterations)
        {
            throw new InvalidOperationException($"training stopped at iteration {report.Iteration + 1}: {progress.BadInARow} " +
                $"iterations in a row with a non-finite loss or gradient (their updates were skipped); the last checkpoint is " +
                $"intact in {CheckpointDirectory}");
        }
    }

    /// <summary>final/ holds the weights that were evaluated: the EMA when the run keeps one.</summary>
    private void SaveFinalWeights(Policy policy, ExponentialMovingAverage? ema)
    {
        Directory.CreateDirectory(FinalDirectory);
        SaveWeightsInto(FinalDirectory, policy, ema);
    }

    /// <summary>best/, atomically: the weights as final/ would hold them now, and best.json with the choice's iteration and
    /// score (<see cref="BestWeights"/>).</summary>
    private void SaveBestWeights(Policy policy, ExponentialMovingAverage? ema, BestWeights best) =>
        AtomicDirectory.Write(BestDirectory, tmp =>
        {
            SaveWeightsInto(tmp, policy, ema);
            File.WriteAllText(Path.Combine(tmp, "best.json"), System.Text.Json.JsonSerializer.Serialize(new
            {
                iteration = best.Iteration,
                mean_training_reward = best.Score,
                window = config.Train.BestWindow,
            }));
        });

    private void SaveWeightsInto(string directory, Policy policy, ExponentialMovingAverage? ema)
    {
        using (ema?.Applied())
        {
            if (config.Lora.Enabled) LoraFile.Save(policy.Model, Path.Combine(directory, GrpoCheckpoint.LoraFileName));
            else policy.Pipeline.Save(directory);
        }
    }

    /// <summary>GET /health on the remote reward's server, retried as a score request would be;
    /// throws a <see cref="RewardServerException"/> naming the address and what failed.</summary>
    private void CheckRewardServer(CancellationToken cancel)
    {
        using var probe = new RemoteReward(config.Reward.Remote);
        probe.CheckHealthAsync(cancel).GetAwaiter().GetResult();
    }

    /// <summary>The run's rewards and their weights; the caller disposes the ones that are disposable.</summary>
    internal static List<(IRewardFunction, double)> BuildRewards(GrpoTrainConfig config) =>
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
        RunReport.Write(runDirectory, $"arbor train: {config.Strategy}");
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
