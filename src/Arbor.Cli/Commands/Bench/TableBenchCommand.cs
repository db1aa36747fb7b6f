using System.CommandLine;
using Arbor.Cli.Bench;

namespace Arbor.Cli.Commands.Bench;

/// <summary>
/// `arbor bench table`: `bench strategies` results of runs made at one budget, a few at a time, merged into one output
/// (<see cref="StrategyTable"/>): its results.json, summary.md and chart, as one command over all of them would write.
/// </summary>
internal static class TableBenchCommand
{
    public static Command Create()
    {
        var inputs = new Argument<string[]>("results")
        {
            Description = "`bench strategies` outputs or their results.json files, each config and seed once",
            Arity = ArgumentArity.OneOrMore
        };
        var budgetOptions = new ComparisonBudgetOptions();
        var output = new Option<string>("--out")
        {
            Description = "Output directory: the merged results.json, summary.md and chart (a new directory or an earlier output)",
            DefaultValueFactory = _ => "runs/table"
        };
        var cmd = new Command("table", "Merge `bench strategies` results of one budget, run a few at a time, into one table: mean ± SD " +
            "over seeds, configs paired on their shared seeds. The budget options state the budget the runs ran at.")
            { inputs, output };
        budgetOptions.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var inputPaths = r.GetValue(inputs)!;
            var results = StrategyTable.Merge(inputPaths);   // every input read and checked before the output is touched
            var outDir = r.GetValue(output)!;
            StrategyComparison.PrepareOutput(outDir);
            StrategyComparison.Save(results, Path.Combine(outDir, StrategyComparison.ResultsFile));
            var seeds = results.Select(x => x.Seed).Distinct().Order().ToList();
            var path = StrategySummary.Of(results, budgetOptions.Budget(r), seeds, DateTime.UtcNow,
                $"`arbor bench table` over {inputPaths.Length} results").WriteTo(outDir);
            Console.WriteLine($"{results.Count} runs of {results.Select(x => x.Config).Distinct().Count()} configs; summary: {path}");
            return 0;
        });
        return cmd;
    }
}
