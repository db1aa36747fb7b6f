using Arbor.Runs;
using Arbor.Runs.Metrics;
using System.Diagnostics;
using Arbor.Configuration;
using Arbor.Distributed;
using Arbor.Evaluation;
using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Tensors;
using Arbor.Tensors.Optim;
using Arbor.Text;

namespace Arbor.Pretraining;

/// <summary>
/// Pretrains a text-to-image flow DiT from scratch (`arbor pretrain`). Run directory:
/// <code>
///   config.yaml       effective config          metrics.jsonl   one line per logged step and evaluation
///   checkpoint/       latest checkpoint (atomic; --resume continues from it bit for bit)
///   samples/          evaluation grids          model/          the final EMA model (TextToImagePipeline.Load)
/// </code>
/// </summary>
/// <remarks>
/// Data-parallel over the ranks of <c>parallel</c> (`arbor launch`, torchrun): each rank computes the loss of its rows of
/// every global batch, gradients are summed across ranks before the step, and rank 0 alone writes the run directory.
/// </remarks>
public sealed class Pretrainer(PretrainConfig config, ICaptionedImageSource data, IHeldOutEvaluator? evaluator, string runDirectory,
    DataParallel? parallel = null)
{
    public event Action<PretrainStepReport>? StepCompleted;
    public event Action<EvaluationReport>? Evaluated;

    /// <summary>Consecutive non-finite steps tolerated before the run stops.</summary>
    public int MaxBadSteps { get; init; } = 5;

    public string CheckpointDirectory => Path.Combine(runDirectory, "checkpoint");
    public string ModelDirectory => Path.Combine(runDirectory, "model");

    /// <summary>
    /// Trains to config.Train.Steps (from the checkpoint when <paramref name="resume"/>); returns the last
    /// evaluation. <paramref name="stopAfter"/> ends the run early, right after that step's checkpoint,
    /// as a kill would (for tests and time-boxed runs). <paramref name="finishAt"/> instead ends the run at
    /// that step as if it were the last (final evaluation and the exported model), keeping the schedule of
    /// config.Train.Steps: a time-boxed run that still ships a model. A directory that already holds a run is continued
    /// only with <paramref name="resume"/> and replaced only with <paramref name="overwrite"/> (<see cref="RunDirectory"/>).
    /// </summary>
    public EvaluationReport? Run(bool resume, long? stopAfter = null, CancellationToken cancel = default,
        long? finishAt = null, bool overwrite = false)
    {
        var train = config.Train;
        using var single = parallel is null ? DataParallel.Single() : null;
        var dp = parallel ?? single!;
        bool main = dp.IsMain;
        // rank 0 owns the run directory; the others read its checkpoint on a resume, once it has prepared it
        if (main) RunDirectory.PrepareForRun(runDirectory, RunDirectory.Pretraining, resume, overwrite);
        using var runLock = main ? RunLock.Acquire(runDirectory) : null;
        dp.Barrier();

        // ---- the model, its optimizer, EMA, and the one generator every random draw comes from ----
        var tokenizer = new WordTokenizer(data.Vocabulary);
        using var init = new Generator(config.Seed);
        using var pipeline = TextToImagePipeline.Create(config.Model, tokenizer, init);
        var model = pipeline.Model;
        if (config.InitFrom.Length > 0)
        {
            // the weights of one kind predict the other kind's target badly: refused, naming both, unless the run is a conversion
            using var warm = TextToImagePipeline.Load(config.InitFrom, expected: config.InitFromOtherKind ? null : model.Process.Kind);
            if (warm.Tokenizer.VocabSize != tokenizer.VocabSize)
            {
                throw new InvalidDataException($"init_from '{config.InitFrom}' has a {warm.Tokenizer.VocabSize}-token vocabulary, the " +
                    $"data has {tokenizer.VocabSize}");
            }
            model.LoadStateDict(warm.Model.StateDict());
        }
        using var optimizer = AdamW.DecayingMatricesOnly(model.NamedParameters(),
            new AdamWOptions { LearningRate = train.LearningRate, WeightDecay = train.WeightDecay });
        using var ema = new ExponentialMovingAverage(model, train.EmaDecay);
        using var rng = new Generator(config.Seed + 1);
        // the card of the model this one continues (read now: the export may replace that directory)
        string? earlierCard = config.InitFrom.Length > 0 && File.Exists(Path.Combine(config.InitFrom, ModelCard.FileName))
            ? File.ReadAllText(Path.Combine(config.InitFrom, ModelCard.FileName)) : null;
        var schedule = new WarmupCosineLr(train.LearningRate, train.WarmupSteps, train.Steps, train.MinLearningRate);

        long start = 0;
        double earlierSeconds = 0;
        if (resume && AtomicDirectory.Resolve(CheckpointDirectory) is not null)
            (start, _, _, earlierSeconds) = PretrainCheckpoint.Load(CheckpointDirectory, model, optimizer, ema, rng, model.Process.Kind);
        // written once a resume's checkpoint has loaded: a --resume that fails leaves the run's config as it was
        if (main) File.WriteAllText(Path.Combine(runDirectory, "config.yaml"), ConfigLoader.ToYaml(config));
        // every rank starts from rank 0's weights (the same seed or checkpoint gives them anyway; this makes it certain)
        dp.Broadcast(model.Parameters(trainableOnly: true));
        var metricsPath = Path.Combine(runDirectory, "metrics.jsonl");
        // the steps after the checkpoint are redone
        if (main && resume && start > 0) MetricsLog.TruncateAfter(metricsPath, MetricsPosition.Step, start);
        using var metrics = main ? MetricsWriter.Open(metricsPath, append: resume && start > 0) : MetricsWriter.Discard();
        var parameters = model.Parameters(trainableOnly: true).ToList();

        EvaluationReport? last = null;
        long stepsDone = train.Steps;
        int badSteps = 0;
        var wall = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        long imagesSinceLog = 0;
        double lastLoss = double.NaN;
        long checkpointed = start;
        for (long step = start; step < train.Steps; step++)
        {
            if (dp.AnyRank(cancel.IsCancellationRequested))
            {
                // stopped on request between steps (on every rank at the same step): what was done is kept, the run resumes here
                if (main && step > checkpointed)
                {
                    PretrainCheckpoint.Save(CheckpointDirectory, model, optimizer, ema, rng, step, lastLoss, config,
                        earlierSeconds + wall.Elapsed.TotalSeconds);
                }
                throw new RunInterruptedException(step, runDirectory, "step");
            }
            using (var scope = Torch.NewScope())
            {
                // ---- a batch: images, captions (some dropped to "" for CFG), times and noise; this rank's rows of each ----
                // every draw is of the global batch, so the ranks' rows together are the one-process run's
                var (first, rows) = dp.Shard(train.BatchSize);
                var batch = data.Rows(step, train.BatchSize, first, rows);
                var x0 = Torch.FromArray(batch.Pixels, [rows, data.Channels, data.ImageSize, data.ImageSize]);
                var drop = Torch.Rand([train.BatchSize], rng).ToFloatArray();
                var captions = batch.Captions.Select((c, i) => drop[first + i] < train.CaptionDropout ? "" : c).ToList();
                var t = DenoisingObjective.SampleTimes(model.Process, train.BatchSize, train.LogitNormalMean, train.LogitNormalStd, rng)
                    .Narrow(0, first, rows);
                var noise = Torch.Randn([train.BatchSize, data.Channels, data.ImageSize, data.ImageSize], rng).Narrow(0, first, rows);

                // ---- loss (this rank's mean, weighted by its share of the batch), backward, gradients summed over ranks, clip, step ----
                // the text encoding, forward and backward run their products in train.precision; only products read it, so
                // the reduction, the clip, AdamW and the EMA stay float32 inside the scope as well
                double gradNorm;
                bool skipped;
                using (ComputePrecision.Use(train.Precision))
                {
                    optimizer.LearningRate = schedule.At(step);
                    using var condition = pipeline.Encode(captions);
                    double share = (double)rows / train.BatchSize;
                    var loss = DenoisingObjective.Loss(model, x0, t, noise, condition) * share;
                    optimizer.ZeroGrad();
                    loss.Backward();
                    dp.AllReduceGradients(parameters);
                    gradNorm = GradClip.ClipByGlobalNorm(parameters, train.GradClip);
                    lastLoss = dp.Sum(loss.Item())[0];
                    skipped = !double.IsFinite(lastLoss) || !double.IsFinite(gradNorm);
                    if (skipped)
                    {
                        if (++badSteps >= MaxBadSteps)
                        {
                            throw new InvalidOperationException($"pretraining stopped at step {step}: {badSteps} consecutive steps with " +
                                $"a non-finite loss or gradient (loss {lastLoss}, grad norm {gradNorm}); the last checkpoint is intact " +
                                $"in {CheckpointDirectory}");
                        }
                    }
                    else
                    {
                        badSteps = 0;
                        optimizer.Step();
                        ema.Update(step);
                    }
                }
                imagesSinceLog += train.BatchSize;

                if (main && (step % config.LogEvery == 0 || step == train.Steps - 1 || skipped))
                {
                    var report = new PretrainStepReport(step + 1, train.Steps, lastLoss, optimizer.LearningRate, gradNorm,
                        imagesSinceLog / Math.Max(1e-9, clock.Elapsed.TotalSeconds), skipped);
                    metrics.Write(new PretrainStepRecord
                    {
                        Step = report.Step,
                        Loss = report.Loss,
                        LearningRate = report.LearningRate,
                        GradNorm = report.GradNorm,
                        ImagesPerSecond = report.ImagesPerSecond,
                        Skipped = report.Skipped
                    });
                    StepCompleted?.Invoke(report);
                    clock.Restart();
                    imagesSinceLog = 0;
                }
            }

            // ---- checkpoint and held-out evaluation ----
            bool final = step == train.Steps - 1 || (finishAt is { } f && step + 1 >= f);
            bool stopping = stopAfter is { } stop && step + 1 >= stop;
            // --stop-after N checkpoints at N whatever checkpoint_every is, so a resume starts at N + 1
            if (main && ((step + 1) % config.CheckpointEvery == 0 || final || stopping))
            {
                PretrainCheckpoint.Save(CheckpointDirectory, model, optimizer, ema, rng, step + 1, lastLoss, config,
                    earlierSeconds + wall.Elapsed.TotalSeconds);
                checkpointed = step + 1;
            }
            // rank 0 evaluates alone; the others wait for it in the next step's collectives (within the group's timeout)
            if (main && evaluator is not null && (final || (config.Eval.Every > 0 && (step + 1) % config.Eval.Every == 0)))
            {
                last = EvaluateEma(pipeline, ema, step + 1);
                metrics.Write(new EvalRecord { Step = step + 1, Sets = EvalSetRecord.ByName(last), Seconds = last.Seconds });
                Reporting.RunReport.Write(runDirectory, "arbor pretrain");
                Evaluated?.Invoke(last);
                clock.Restart();
                imagesSinceLog = 0;
            }
            if (final) { stepsDone = step + 1; break; }
            if (stopping) return last;
        }

        if (!main) return last;
        // ---- the shipped artifact: EMA weights as a model directory, with its card and sample grid ----
        ExportEma(pipeline, ema, ModelDirectory, dir =>
        {
            string? grid = null;
            if (last?.Primary.GridPath is { } g && File.Exists(g))
            {
                grid = "samples.png";
                File.Copy(g, Path.Combine(dir, grid));
            }
            ModelCard.Write(dir, config, model.ParameterCount(), last, earlierSeconds + wall.Elapsed.TotalSeconds, grid,
                stepsDone, earlierCard);
        });
        return last;
    }

    private EvaluationReport EvaluateEma(TextToImagePipeline live, ExponentialMovingAverage ema, long step)
    {
        using var evalPipeline = new TextToImagePipeline(new Models.FlowDiT(live.Model.Config), live.Tokenizer);
        evalPipeline.Model.LoadStateDict(live.Model.StateDict());
        ema.CopyTo(evalPipeline.Model);
        evalPipeline.Model.Eval();
        return evaluator!.Evaluate(evalPipeline, config.Eval, step, Path.Combine(runDirectory, "samples"));
    }

    private static void ExportEma(TextToImagePipeline live, ExponentialMovingAverage ema, string directory, Action<string> extras)
    {
        using var export = new TextToImagePipeline(new Models.FlowDiT(live.Model.Config), live.Tokenizer);
        export.Model.LoadStateDict(live.Model.StateDict());
        ema.CopyTo(export.Model);
        AtomicDirectory.Write(directory, tmp =>
        {
            export.Save(tmp);
            extras(tmp);
        });
    }
}
