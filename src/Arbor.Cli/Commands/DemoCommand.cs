using Arbor.Runs;
using System.CommandLine;
using Arbor.Cli.Bench;
using Arbor.Cli.Output;
using Arbor.Configuration;
using Arbor.Evaluation;
using Arbor.Reporting;
using Arbor.Tensors;
using Arbor.Training;
using Spectre.Console;

namespace Arbor.Cli.Commands;

/// <summary>
/// `arbor demo`: Arbor's main job in a few minutes on 2 cores. Dynamic-TreeRPO (configs/demo.yaml)
/// from the shipped base with the shapes reward: live progress, held-out accuracy before and after, the
/// evaluation grids, a rollout-tree picture and the run's report.html.
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var minutes = new Option<double?>("--minutes")
        {
            Description = $"Minutes of RL (rollout + reward + training; evaluations excluded); 0 = only --iterations bounds it " +
                $"(default {Fp32EvalMinutes:0.#}, or {Bf16EvalMinutes:0.#} where the evaluations run in bf16: the demo's 10 minutes less " +
                    $"its final evaluation)",
        };
        var iterations = new Option<int>("--iterations") { Description = "Most RL iterations", DefaultValueFactory = _ => 1000 };
        var perFamily = new Option<int>("--prompts-per-family")
        {
            Description = "Held-out prompts per family in each set of the before/after evaluation (32: a family's SD about 9 points, the " +
                "overall's about 3.5; the paired change's about 2.5)",
            DefaultValueFactory = _ => 32
        };
        var output = new Option<string>("--out") { Description = "Run directory", DefaultValueFactory = _ => "runs/demo" };
        var progress = new ProgressOptions();
        var cmd = new Command("demo",
            "A few-minute Dynamic-TreeRPO run from the shipped base: accuracy before and after, grids, tree, report.")
        {
            minutes, iterations, perFamily, output
        };
        progress.AddTo(cmd);
        cmd.SetAction(r => Run(r.GetValue(minutes), r.GetValue(iterations), r.GetValue(perFamily), r.GetValue(output)!, progress.Mode(r)));
        return cmd;
    }

    // The demo's promise is 10 minutes on 2 cores with its evaluations. The base's evaluation is cached in the model
    // directory; the final one at 32 prompts per family takes about 3.5 minutes in fp32 and about 1 in bf16 (on a CPU with
    // AMX, where configs/demo.yaml's eval.precision auto picks it), so training gets what is left.
    private const double Fp32EvalMinutes = 5.5, Bf16EvalMinutes = 8;

    private static int Run(double? minutesGiven, int iterations, int perFamily, string outDir, ProgressMode mode)
    {
        if (minutesGiven < 0) throw new ArgumentException($"--minutes must be >= 0 (got {minutesGiven})");
        ThreadDefaults.Apply();
        var configPath = RepoPaths.Find("configs/demo.yaml") ?? throw new FileNotFoundException("configs/demo.yaml not found");
        var cfg = ConfigLoader.Load<GrpoTrainConfig>(configPath);
        double minutes = minutesGiven
            ?? (ComputePrecision.Resolve(cfg.Eval.Precision) == Precision.Bf16 ? Bf16EvalMinutes : Fp32EvalMinutes);
        cfg = cfg with
        {
            Model = ModelOptions.Resolve(null),
            Train = cfg.Train with
            {
                Iterations = iterations,
                TimeBudgetMinutes = minutes,
                CheckpointEvery = minutes > 0 ? 5 : Math.Max(1, iterations / 3)
            },
            Eval = cfg.Eval with { Every = 0, PromptsPerFamily = perFamily },
        };
        // an earlier demo (an RL run) is replaced; anything else at --out is refused, not deleted
        OutputGuard.ReplacePrevious(outDir, RunDirectory.Rl);
        Interruption.StopsCleanly("stopping after the current iteration",
            "stopped at once; `arbor demo` has no --resume: run it again to start over from the base");
        // as `arbor train`: --quiet (and json) print no header and no progress, only the final result
        if (mode is ProgressMode.Live or ProgressMode.Lines)
        {
            AnsiConsole.Write(new Rule("[bold]Arbor demo[/]: Dynamic-TreeRPO on the Shapes world"));
            var layerTuning = cfg.DynamicTree.LayerTuning
                ? $"{SnakeCase(cfg.DynamicTree.LayerTuningForm.ToString())} λ {cfg.DynamicTree.LayerTuningWeight:0.##}"
                : "off";
            AnsiConsole.MarkupLine($"base {Markup.Escape(cfg.Model)}, " +
                $"{(minutes > 0 ? $"{minutes:0.#} min of RL" : $"{iterations} iterations")} x {cfg.Train.PromptsPerIteration} prompts, " +
                $"binary tree depth {cfg.DynamicTree.Depth} (depth noise {(cfg.DynamicTree.DepthNoise ? "on" : "off")}, " +
                $"adaptive clip {(cfg.DynamicTree.AdaptiveClip ? "on" : "off")}, LayerTuning {layerTuning}), " +
                $"reward: {Markup.Escape(string.Join(" + ", cfg.Reward.Names))}, " +
                $"products in {ResolvedName(cfg.Train.Precision)} (evaluations {ResolvedName(cfg.Eval.Precision)}), " +
                $"threads {TorchRuntime.IntraOpThreads}");
        }

        var trainer = new GrpoTrainer(cfg, outDir);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        int done;
        try
        {
            done = Train(trainer, mode, minutes, iterations);
        }
        catch (Exception e) when ((e as RunInterruptedException ?? e.InnerException as RunInterruptedException) is { } stopped)
        {
            // the trainer's own message advises --resume, which the demo does not have
            Console.Out.Flush();
            Console.Error.WriteLine($"demo interrupted after iteration {stopped.Position}: no after-evaluation, comparison " +
                $"or report was made. " +
                $"`arbor demo` has no --resume: run it again to start over from the base (it replaces {outDir})");
            return Interruption.ExitCode;
        }
        var before = trainer.Evaluations[0];
        var after = trainer.Evaluations[^1];
        var report = RunReport.Write(outDir, "arbor demo: Dynamic-TreeRPO");
        if (mode == ProgressMode.Json)
        {
            Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
            {
                kind = "result", report = Path.GetFullPath(report),
                paired = HeldOutComparison.Between(before, after).Select(c => c.Summary()).ToArray()
            }));
            return 0;
        }
        if (mode != ProgressMode.Quiet) AnsiConsole.Write(new Rule());   // below the progress; quiet printed none
        HeldOutText.PrintPaired(before, after, $"held-out, the base → after {done} iterations ({clock.Elapsed.TotalMinutes:F1} min)");
        AnsiConsole.MarkupLine($"before/after grids: " +
            $"{Markup.Escape(string.Join(", ", before.Sets.Concat(after.Sets).Select(s => s.GridPath ?? "")))}");
        AnsiConsole.MarkupLine($"report: {Markup.Escape(Path.GetFullPath(report))}");
        return 0;
    }

    /// <summary>The RL run with the progress of <paramref name="mode"/>; returns the iterations done.</summary>
    private static int Train(GrpoTrainer trainer, ProgressMode mode, double minutes, int iterations)
    {
        long total = minutes > 0 ? 0 : iterations;   // with a time budget the iteration count is not known ahead
        double budgetSeconds = minutes * 60, spent = 0;
        int done = 0;
        if (mode != ProgressMode.Live)
        {
            trainer.Evaluated += e =>
            {
                if (mode == ProgressMode.Lines) HeldOutText.PrintEvaluation(e, $"held-out @ iteration {e.Step}");
                else if (mode == ProgressMode.Json) Console.WriteLine(ProgressLines.EvaluationJson(e));
            };
            trainer.IterationCompleted += it =>
            {
                done = (int)it.Iteration + 1;
                if (mode == ProgressMode.Lines) Console.WriteLine(ProgressLines.Iteration(it, total));
                else if (mode == ProgressMode.Json) Console.WriteLine(ProgressLines.IterationJson(it, total));
            };
            trainer.Run(resume: false, cancel: Interruption.Token);
        }
        else
        {
            AnsiConsole.Progress().AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(),
                    new RemainingTimeColumn())
                .Start(ctx =>
                {
                    var task = ctx.AddTask("evaluating the base", maxValue: minutes > 0 ? budgetSeconds : iterations);
                    trainer.Evaluated += e => HeldOutText.PrintEvaluation(e, $"held-out @ iteration {e.Step}");
                    trainer.IterationCompleted += it =>
                    {
                        done = (int)it.Iteration + 1;
                        spent += it.Rollout.Seconds + it.RewardSeconds + it.TrainSeconds;
                        task.Value = minutes > 0 ? Math.Min(spent, budgetSeconds) : it.Iteration + 1;
                        task.Description = $"iteration {it.Iteration + 1}: reward {it.RewardMean:F3}, strict " +
                            $"{(it.ComponentMeans.TryGetValue("shapes.strict", out var s) ? s : 0):P0}, " +
                            $"{it.Rollout.ModelForwards} NFE, {it.Rollout.Seconds + it.RewardSeconds + it.TrainSeconds:F1} s";
                    };
                    trainer.Run(resume: false, cancel: Interruption.Token);
                });
        }
        return done;
    }

    private static string ResolvedName(Precision p) => ComputePrecision.Name(ComputePrecision.Resolve(p));

    // as the config writes it (LeafNft → leaf_nft)
    private static string SnakeCase(string name) =>
        System.Text.RegularExpressions.Regex.Replace(name, "(?<=[a-z0-9])([A-Z])", "_$1").ToLowerInvariant();
}
