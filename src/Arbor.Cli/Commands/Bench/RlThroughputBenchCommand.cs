using System.CommandLine;
using System.Text.Json;
using Arbor.Cli.Bench;
using Arbor.Cli.Output;
using Arbor.Tensors;
using Spectre.Console;

namespace Arbor.Cli.Commands.Bench;

/// <summary>`arbor bench rl-throughput`: RL images per second of each config in fp32 and bf16 (<see cref="RlThroughput"/>).</summary>
internal static class RlThroughputBenchCommand
{
    public static readonly string[] ShippedConfigs =
    [
        "configs/flow-grpo.yaml", "configs/dance-grpo.yaml", "configs/mix-grpo.yaml", "configs/tree-grpo.yaml", "configs/branch-grpo.yaml",
        "configs/dynamic-treerpo.yaml", "configs/nft.yaml", "configs/awm.yaml",
    ];

    public static Command Create()
    {
        var configs = new Option<string[]>("--configs")
        {
            Description = "Training configs to time (default: the eight shipped methods)", AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ShippedConfigs
        };
        var rounds = new Option<int>("--rounds")
        {
            Description = "Rounds per config, each running fp32 and bf16 in alternating order", DefaultValueFactory = _ => 2,
        };
        var iterations = new Option<int>("--iterations")
        {
            Description = "Timed iterations per run (after one untimed warm-up iteration)", DefaultValueFactory = _ => 3,
        };
        var model = ModelOptions.Model();
        var output = new Option<string>("--out")
        {
            Description = "Output directory (one run per config, precision and round; throughput.json)",
            DefaultValueFactory = _ => "runs/rl-throughput",
        };
        // train's --quiet and --log-format, as `bench strategies` has them: quiet drops the header and the per-run lines and
        // keeps the table; json prints each config's row as one object when it is measured, then the results' path as one
        var progressOptions = new ProgressOptions();
        var cmd = new Command("rl-throughput",
            "RL images per second of each config (rollout + reward + training through the real trainer), fp32 against bf16, "
            + "alternating rounds.")
        { configs, rounds, iterations, model, output };
        progressOptions.AddTo(cmd);
        cmd.SetAction(r =>
        {
            var mode = progressOptions.Mode(r);
            bool json = mode == ProgressMode.Json, verbose = mode is ProgressMode.Live or ProgressMode.Lines;
            var modelDir = ModelOptions.Resolve(r.GetValue(model));
            var outDir = r.GetValue(output)!;
            RlThroughput.PrepareOutput(outDir);   // a directory that is not an earlier rl-throughput output is refused before any run
            ThreadDefaults.Apply();
            int nRounds = Math.Max(1, r.GetValue(rounds)), nIterations = Math.Max(1, r.GetValue(iterations));
            if (verbose)
            {
                AnsiConsole.MarkupLine(Markup.Escape($"arbor bench rl-throughput: {modelDir}, {nRounds} alternating rounds x "
                    + $"{nIterations} timed iterations, threads {TorchRuntime.IntraOpThreads}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC"));
                AnsiConsole.MarkupLine(Markup.Escape($"CPU: {PrecisionBenchmark.CpuFeatures()}"));
            }
            var rows = new List<RlThroughputRow>();
            var results = Path.Combine(outDir, RlThroughput.ResultsFile);
            foreach (var config in r.GetValue(configs)!)
            {
                rows.Add(RlThroughput.Run(config, modelDir, nRounds, nIterations, outDir,
                    verbose ? line => AnsiConsole.MarkupLine(Markup.Escape("  " + line)) : null));
                RlThroughput.Save(rows, results);
                if (json) Console.WriteLine(JsonSerializer.Serialize(new { kind = "config", result = rows[^1] }));
            }
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { kind = "summary", results }));
                return 0;
            }
            var table = new Table().Border(TableBorder.Rounded).AddColumn("config").AddColumn("images/it")
                .AddColumn("fp32 s/it: median (min–max)").AddColumn("bf16 s/it").AddColumn("fp32 images/s").AddColumn("bf16 images/s")
                .AddColumn("fp32 / bf16 (per round)").AddColumn("rollout s fp32 / bf16").AddColumn("train s fp32 / bf16");
            foreach (var row in rows)
            {
                table.AddRow(Markup.Escape(row.Config), $"{row.ImagesPerIteration:F0}",
                    row.Fp32.Format("s", "F2"), row.Bf16.Format("s", "F2"),
                    $"{row.Fp32ImagesPerSecond:F1}", $"{row.Bf16ImagesPerSecond:F1}",
                    $"{row.Speedup:F2}x ({string.Join(", ", row.RoundRatios.Select(x => x.ToString("F2")))})",
                    $"{row.Fp32Rollout.Median:F2} / {row.Bf16Rollout.Median:F2}", $"{row.Fp32Train.Median:F2} / {row.Bf16Train.Median:F2}");
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine(Markup.Escape($"raw: {results}"));
            return 0;
        });
        return cmd;
    }
}
