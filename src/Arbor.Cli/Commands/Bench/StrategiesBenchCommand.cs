using System.CommandLine;
using Arbor.Cli.Bench;
using Arbor.Cli.Output;
using Arbor.Tensors;
using Spectre.Console;

namespace Arbor.Cli.Commands.Bench;

/// <summary>`arbor bench strategies`: every strategy from the same base at the same budget and seeds.</summary>
internal static class StrategiesBenchCommand
{
    public static Command Create()
    {
        var configs = new Option<string[]>("--configs")
        {
            Description = "Training configs to compare", AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ["configs/flow-grpo.yaml", "configs/dance-grpo.yaml", "configs/mix-grpo.yaml",
                "configs/tree-grpo.yaml", "configs/branch-grpo.yaml", "configs/dynamic-treerpo.yaml"]
        };
        var budgetOptions = new ComparisonBudgetOptions();
        var seeds = new Option<ulong[]>("--seeds")
        {
            Description = "Seeds; every config runs once per seed",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [0]
        };
        // every config from one base when given; otherwise each config's own `model:` (an ε-config names the ε-base)
        var model = new Option<string?>("--model")
        {
            Description = $"Model directory every config starts from (default: each config's own model, {ModelOptions.DefaultModel} " +
                "unless it names another)"
        };
        var output = new Option<string>("--out")
        {
            Description = "Output directory (one run per config and seed, results.json)",
            DefaultValueFactory = _ => "runs/strategies"
        };
        // train's --quiet and --log-format: quiet drops the per-run lines and keeps the summary (the only bench that
        // reports progress as it goes); json prints each finished run as one object, then the summary's paths as one
        var progressOptions = new ProgressOptions();
        var cmd = new Command("strategies", "Every strategy from the same base at the same budget and seeds: accuracy before/after, time " +
            "to a target gain, s/iteration by phase, NFE.")
            { configs, seeds, model, output };
        budgetOptions.AddTo(cmd);
        progressOptions.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var mode = progressOptions.Mode(r);
            bool json = mode == ProgressMode.Json, verbose = mode is ProgressMode.Live or ProgressMode.Lines;
            string? modelDir = r.GetValue(model);
            var outDir = r.GetValue(output)!;
            StrategyComparison.PrepareOutput(outDir);   // a directory that is not an earlier comparison is refused before any model work
            ThreadDefaults.Apply();
            var budget = budgetOptions.Budget(r);
            var results = new List<StrategyResult>();
            Action<StrategyResult>? progress = json ? x => Console.WriteLine(StrategyComparison.JsonLine(x))
                : verbose ? x => AnsiConsole.MarkupLine($"  {x.Iterations} iterations, {x.SecondsPerIteration:F1} s/iter: " +
                    Markup.Escape(string.Join("; ",
                        x.Sets.Select(s => $"{s.Set} {s.StrictBefore:P1} → {s.StrictAfter:P1}, {s.Change}")))) : null;
            foreach (var seed in r.GetValue(seeds)!)
            {
                foreach (var config in r.GetValue(configs)!)
                {
                    if (verbose)
                    {
                        AnsiConsole.MarkupLine($"[bold]{Markup.Escape(config)}[/] seed {seed}: {budget.Text} from " +
                            $"{Markup.Escape(modelDir ?? "its config's model")}");
                    }
                    results.Add(StrategyComparison.Run(config, seed, budget, outDir, modelDir, progress));
                    StrategyComparison.Save(results, Path.Combine(outDir, StrategyComparison.ResultsFile));
                }
            }
            var summary = StrategySummary.Of(results, budget, r.GetValue(seeds)!, DateTime.UtcNow);
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var h in summary.Header) table.AddColumn(Markup.Escape(h));
            foreach (var row in summary.Rows) table.AddRow(row.Select(Markup.Escape).ToArray());
            var summaryPath = summary.WriteTo(outDir);
            if (json)
            {
                Console.WriteLine(System.Text.Json.JsonSerializer.Serialize(new
                {
                    kind = "summary", summary = summaryPath,
                    chart = Path.Combine(outDir, StrategyChart.FileName), results = Path.Combine(outDir, StrategyComparison.ResultsFile)
                }));
                return 0;
            }
            AnsiConsole.MarkupLine($"summary: {Markup.Escape(summaryPath)} (chart: " +
                $"{Markup.Escape(Path.Combine(outDir, StrategyChart.FileName))}), raw: " +
                $"{Markup.Escape(Path.Combine(outDir, StrategyComparison.ResultsFile))}");
            AnsiConsole.Write(table);
            return 0;
        });
        return cmd;
    }
}
