using Arbor.Distributed;
using System.CommandLine;
using Arbor.Cli.Output;
using Arbor.Configuration;
using Arbor.Evaluation;
using Arbor.Pretraining;
using Arbor.Tensors;
using Spectre.Console;

namespace Arbor.Cli.Commands;

/// <summary>`arbor pretrain --config FILE --out DIR [--resume]`: flow-matching pretraining with a live display.</summary>
public static class PretrainCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config") { Description = "YAML config (e.g. configs/pretrain-shapes.yaml)", Required = true };
        var output = new Option<string>("--out") { Description = "Run directory", DefaultValueFactory = _ => "runs/pretrain" };
        var resume = RunDirectoryOptions.Resume();
        var stopAfter = new Option<long?>("--stop-after")
        {
            Description = "End after this step (a checkpoint is written there), e.g. to time-box a run"
        };
        var finishAt = new Option<long?>("--finish-at")
        {
            Description = "End at this step as if it were the last (final evaluation, model/ and its card), keeping the config's schedule"
        };
        var overwrite = RunDirectoryOptions.Overwrite();
        var progress = new ProgressOptions();
        var cmd = new Command("pretrain", "Pretrain a text-to-image flow DiT on a procedural world.")
        {
            config, output, resume, overwrite, stopAfter, finishAt
        };
        progress.AddTo(cmd);
        cmd.SetAction(r => Run(r.GetValue(config)!, r.GetValue(output)!, r.GetValue(resume), r.GetValue(stopAfter), r.GetValue(finishAt),
            r.GetValue(overwrite), progress.Mode(r)));
        return cmd;
    }

    private static int Run(string configPath, string outDir, bool resume, long? stopAfter, long? finishAt,
        bool overwrite, ProgressMode mode)
    {
        Interruption.StopsCleanly("stopping after the current step and writing a checkpoint",
            "stopped at once; the run resumes from its last checkpoint with --resume");
        ThreadDefaults.Apply();
        var cfg = ConfigLoader.Load<PretrainConfig>(configPath);
        var (data, evaluator) = Arbor.Worlds.BuiltInWorlds.ForPretraining(cfg.Data, cfg.Model.ImageSize);
        // under `arbor launch` or torchrun: one rank of a data-parallel job (rank 0 writes the run directory)
        using var parallel = DataParallel.FromEnvironment(DistributedTimeout());
        var trainer = new Pretrainer(cfg, data, evaluator, outDir, parallel);
        if (parallel.IsDistributed && mode == ProgressMode.Live) mode = ProgressMode.Lines;
        if (mode != ProgressMode.Live)
        {
            // off a terminal: one line per logged step (log_every) and per evaluation, nothing redrawn
            if (mode == ProgressMode.Lines)
            {
                Console.WriteLine($"arbor pretrain {configPath} -> {outDir}: {cfg.Train.Steps} steps x {cfg.Train.BatchSize} images" +
                    (parallel.IsDistributed ? $", {parallel}: {parallel.Shard(cfg.Train.BatchSize).Count} images per step here" : ""));
            }
            trainer.StepCompleted += s =>
            {
                if (mode == ProgressMode.Lines) Console.WriteLine(ProgressLines.Step(s));
                else if (mode == ProgressMode.Json) Console.WriteLine(ProgressLines.StepJson(s));
            };
            trainer.Evaluated += e =>
            {
                if (mode == ProgressMode.Lines) HeldOutText.PrintEvaluation(e, $"eval @ {e.Step}");
                else if (mode == ProgressMode.Json) Console.WriteLine(ProgressLines.EvaluationJson(e));
            };
            trainer.Run(resume, stopAfter, Interruption.Token, finishAt: finishAt, overwrite: overwrite);
            if (mode != ProgressMode.Json && parallel.IsMain) Console.WriteLine($"model: {trainer.ModelDirectory}");
            return 0;
        }
        AnsiConsole.MarkupLine($"[bold]arbor pretrain[/] {Markup.Escape(configPath)} → {Markup.Escape(outDir)}: {cfg.Train.Steps} steps " +
            $"x {cfg.Train.BatchSize} images, threads {TorchRuntime.IntraOpThreads}");

        EvaluationReport? last = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask("pretraining", maxValue: cfg.Train.Steps);
                trainer.StepCompleted += s =>
                {
                    task.Value = s.Step;
                    task.Description = $"step {s.Step}/{s.TotalSteps} loss {s.Loss:F4} lr {s.LearningRate:E1} " +
                        $"{s.ImagesPerSecond:F0} img/s" + (s.Skipped ? " [red](skipped: non-finite)[/]" : "");
                };
                trainer.Evaluated += e =>
                {
                    last = e;
                    HeldOutText.PrintEvaluation(e, $"  eval @ {e.Step}");
                };
                trainer.Run(resume, stopAfter, Interruption.Token, finishAt: finishAt, overwrite: overwrite);
            });
        AnsiConsole.MarkupLine($"model: {Markup.Escape(trainer.ModelDirectory)}");
        return 0;
    }

    /// <summary>
    /// The bound on the rendezvous and every collective of a distributed run: ARBOR_DIST_TIMEOUT_S seconds, default 30
    /// minutes (torch's default), which must exceed rank 0's longest evaluation while the other ranks wait for it.
    /// </summary>
    internal static TimeSpan DistributedTimeout() =>
        double.TryParse(Environment.GetEnvironmentVariable("ARBOR_DIST_TIMEOUT_S"),
            System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0
            ? TimeSpan.FromSeconds(s) : Arbor.Tensors.Distributed.ProcessGroup.DefaultTimeout;
}
