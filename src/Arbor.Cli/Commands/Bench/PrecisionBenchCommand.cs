using System.CommandLine;
using Arbor.Cli.Bench;
using Arbor.Tensors;
using Spectre.Console;

namespace Arbor.Cli.Commands.Bench;

/// <summary>`arbor bench precision`: what bf16 buys over fp32 on this CPU, and
/// what it costs the velocity (<see cref="PrecisionBenchmark"/>).</summary>
internal static class PrecisionBenchCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var images = new Option<int>("--images")
        {
            Description = "Nodes per forward (configs/nft.yaml's rollout: 12 prompts x 8 = 96; CFG doubles the rows)",
            DefaultValueFactory = _ => 96
        };
        var guidance = new Option<double>("--guidance")
        {
            Description = "CFG weight (1 = one unguided batch)",
            DefaultValueFactory = _ => 3.0
        };
        var rounds = new Option<int>("--rounds")
        {
            Description = "Rounds, each timing fp32 and bf16 in alternating order",
            DefaultValueFactory = _ => 5
        };
        var reps = new Option<int>("--reps") { Description = "Timed repetitions per precision and round", DefaultValueFactory = _ => 1 };
        var pretrainBatch = new Option<int>("--pretrain-batch")
        {
            Description = "Images per pretraining step (configs/pretrain-shapes.yaml's batch_size)",
            DefaultValueFactory = _ => 64
        };
        var cmd = new Command("precision", "bf16 vs fp32 on this CPU: bare products, the DiT's products with casts, its rollout forward, " +
            "a pretraining step and an RL training step, and the velocity's bf16 error.")
            { model, images, guidance, rounds, reps, pretrainBatch };
        cmd.SetAction(r =>
        {
            ThreadDefaults.Apply();
            var modelDir = ModelOptions.Resolve(r.GetValue(model));
            using var pipeline = ModelOptions.Load(modelDir, null);
            int nRounds = Math.Max(1, r.GetValue(rounds)), nReps = Math.Max(1, r.GetValue(reps));
            AnsiConsole.MarkupLine($"[bold]arbor bench precision[/]: {Markup.Escape(modelDir)}, threads {TorchRuntime.IntraOpThreads}, " +
                $"{nRounds} alternating rounds x {nReps} reps, libtorch {TorchRuntime.LibTorchVersion}, " +
                $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
            AnsiConsole.MarkupLine(Markup.Escape($"CPU: {PrecisionBenchmark.CpuFeatures()}"));
            var result = PrecisionBenchmark.Run(pipeline, r.GetValue(images), r.GetValue(guidance), nRounds, nReps,
                Math.Max(1, r.GetValue(pretrainBatch)));
            var table = new Table().Border(TableBorder.Rounded).AddColumn("measurement").AddColumn("fp32: median (min–max)")
                .AddColumn("bf16").AddColumn("fp32 / bf16");
            foreach (var row in result.Rows)
                table.AddRow(Markup.Escape(row.Name), row.Fp32.FormatMilliseconds(), row.Bf16.FormatMilliseconds(), $"{row.Speedup:F2}x");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine(Markup.Escape($"velocity, bf16 vs fp32 on the same inputs: max |Δv| {result.VelocityMaxAbsDiff:G3} " +
                $"(max |v| {result.VelocityMaxAbs:G3}), RMS Δv {result.VelocityRmsDiff:G3} (RMS v {result.VelocityRms:G3})"));
            AnsiConsole.MarkupLine(Markup.Escape($"pretraining batch's flow-matching loss (shipped base, before any step): fp32 " +
                $"{result.PretrainLossFp32:F5}, bf16 {result.PretrainLossBf16:F5}"));
            // throughput at the medians, the unit issue #20's table asks for
            if (result.PretrainStep is { } p)
            {
                AnsiConsole.MarkupLine(Markup.Escape($"pretraining: {result.PretrainBatch / p.Fp32.Median:F1} images/s fp32, " +
                    $"{result.PretrainBatch / p.Bf16.Median:F1} bf16"));
            }
            if (result.RlStep is { } rl)
            {
                AnsiConsole.MarkupLine(Markup.Escape($"RL training forward + backward: {result.RlNodes / rl.Fp32.Median:F1} nodes/s " +
                    $"fp32, {result.RlNodes / rl.Bf16.Median:F1} bf16"));
            }
            return 0;
        });
        return cmd;
    }
}
