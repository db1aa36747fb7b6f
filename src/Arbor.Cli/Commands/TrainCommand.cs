using Arbor.Distributed;
using System.CommandLine;
using Arbor.Cli.Output;
using Arbor.Configuration;
using Arbor.Tensors;
using Arbor.Training;
using Spectre.Console;

namespace Arbor.Cli.Commands;

/// <summary>`arbor train --config configs/&lt;strategy&gt;.yaml --out DIR [--resume]`: RL post-training with a live display.</summary>
public static class TrainCommand
{
    public static Command Create()
    {
        var config = new Option<string>("--config")
        {
            Description = "YAML config: one per strategy in configs/ (" + string.Join(", ", StrategyRegistry.Names) +
                "), ablations in configs/ablations/",
            Required = true
        };
        var output = new Option<string>("--out") { Description = "Run directory", DefaultValueFactory = _ => "runs/train" };
        var resume = RunDirectoryOptions.Resume();
        var stopAfter = new Option<long?>("--stop-after") { Description = "End after this iteration (a checkpoint is written there)" };
        var overwrite = RunDirectoryOptions.Overwrite();
        var progress = new ProgressOptions();
        var cmd = new Command("train", "Online RL post-training of the generator (GRPO family strategies).")
        {
            config, output, resume, overwrite, stopAfter
        };
        progress.AddTo(cmd);
        cmd.SetAction(r => Run(r.GetValue(config)!, r.GetValue(output)!, r.GetValue(resume), r.GetValue(stopAfter),
            r.GetValue(overwrite), progress.Mode(r)));
        return cmd;
    }

    private static int Run(string configPath, string outDir, bool resume, long? stopAfter, bool overwrite, ProgressMode mode)
    {
        Interruption.StopsCleanly("stopping after the current iteration and writing a checkpoint",
            "stopped at once; the run resumes from its last checkpoint with --resume");
        ThreadDefaults.Apply();
        var cfg = ConfigLoader.Load<GrpoTrainConfig>(configPath);
        cfg = cfg with { Model = ModelOptions.ForConfig(cfg.Model) };
        // under `arbor launch` or torchrun: one rank of a data-parallel job (rank 0 writes the run directory and evaluates)
        using var parallel = DataParallel.FromEnvironment(PretrainCommand.DistributedTimeout());
        var trainer = new GrpoTrainer(cfg, outDir, parallel);
        if (parallel.IsDistributed && mode == ProgressMode.Live) mode = ProgressMode.Lines;
        if (mode != ProgressMode.Live)
        {
            RunWithLines(trainer, cfg, outDir, resume, stopAfter, overwrite, mode);
            return 0;
        }
        AnsiConsole.MarkupLine($"[bold]arbor train[/] {Markup.Escape(cfg.Strategy)} from {Markup.Escape(cfg.Model)} → " +
            $"{Markup.Escape(outDir)}: {cfg.Train.Iterations} iterations x {cfg.Train.PromptsPerIteration} prompts");

        var table = IterationTable.Create();
        string accuracy = "";
        trainer.Evaluated += e =>
        {
            accuracy = string.Join("; ", e.Sets.Select(s => s.Summary())) + $" at iteration {e.Step}";
            HeldOutText.PrintEvaluation(e, $"eval @ {e.Step}");
        };
        AnsiConsole.Live(table).AutoClear(false).Start(ctx =>
        {
            trainer.IterationCompleted += r =>
            {
                IterationTable.Add(table, r);
                table.Caption(accuracy);
                ctx.Refresh();
            };
            trainer.Run(resume, stopAfter, Interruption.Token, overwrite: overwrite);
        });
        PrintPairedResult(trainer);
        return 0;
    }

    /// <summary>Off a terminal: one plain (or JSON) line per iteration and per evaluation, nothing redrawn.</summary>
    private static void RunWithLines(GrpoTrainer trainer, GrpoTrainConfig cfg, string outDir, bool resume, long? stopAfter,
        bool overwrite, ProgressMode mode)
    {
        long total = cfg.Train.Iterations;
        if (mode == ProgressMode.Lines)
        {
            Console.WriteLine($"arbor train {cfg.Strategy} from {cfg.Model} -> {outDir}: {total} iterations x " +
                $"{cfg.Train.PromptsPerIteration} prompts" +
                (trainer.Parallel.IsDistributed ? $", {trainer.Parallel}: {trainer.Parallel.Shard(cfg.Train.PromptsPerIteration).Count} " +
                    $"prompts per iteration here" : ""));
        }
        trainer.IterationCompleted += r =>
        {
            if (mode == ProgressMode.Lines) Console.WriteLine(ProgressLines.Iteration(r, total));
            else if (mode == ProgressMode.Json) Console.WriteLine(ProgressLines.IterationJson(r, total));
        };
        trainer.Evaluated += e =>
        {
            if (mode == ProgressMode.Lines) HeldOutText.PrintEvaluation(e, $"eval @ {e.Step}");
            else if (mode == ProgressMode.Json) Console.WriteLine(ProgressLines.EvaluationJson(e));
        };
        trainer.Run(resume, stopAfter, Interruption.Token, overwrite: overwrite);
        if (mode != ProgressMode.Json) PrintPairedResult(trainer);
    }

    private static void PrintPairedResult(GrpoTrainer trainer)
    {
        if (trainer.Evaluations.Count >= 2)
        {
            HeldOutText.PrintPaired(trainer.Evaluations[0], trainer.Evaluations[^1],
                $"held-out, iteration {trainer.Evaluations[0].Step} → {trainer.Evaluations[^1].Step}");
        }
    }
}
