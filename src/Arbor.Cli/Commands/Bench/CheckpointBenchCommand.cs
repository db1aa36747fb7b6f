using System.CommandLine;
using Arbor.Cli.Bench;
using Arbor.Runs;
using Arbor.Tensors;
using Spectre.Console;

namespace Arbor.Cli.Commands.Bench;

/// <summary>`arbor bench checkpoint`: what writing an RL checkpoint costs, and how much of that is fsync.</summary>
internal static class CheckpointBenchCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var reps = new Option<int>("--reps") { Description = "Checkpoints written per measurement", DefaultValueFactory = _ => 20 };
        var dir = new Option<string>("--dir")
        {
            Description = "Scratch directory, on the disk whose cost is measured (deleted afterwards)",
            DefaultValueFactory = _ => "runs/bench-checkpoint"
        };
        var cmd = new Command("checkpoint",
            "An RL checkpoint of the shipped base (LoRA + AdamW state): its save, and the same bytes written with and without fsync.")
        {
            model, reps, dir
        };
        cmd.SetAction(r =>
        {
            // the benchmark deletes its scratch directory afterwards: one that exists (a user's, an earlier output) is refused
            // before any model work, and left as it is
            var scratch = Path.GetFullPath(r.GetValue(dir)!);
            if (Directory.Exists(scratch) || File.Exists(scratch))
            {
                throw new OutputPathException($"'{scratch}' exists: refusing to use it as --dir, which the benchmark creates and " +
                    "deletes. Give a path that does not exist.");
            }
            ThreadDefaults.Apply();
            var modelDir = ModelOptions.Resolve(r.GetValue(model));
            int n = Math.Max(1, r.GetValue(reps));
            var result = CheckpointBenchmark.Run(modelDir, scratch, n);
            AnsiConsole.MarkupLine(Markup.Escape($"arbor bench checkpoint: {modelDir} with LoRA rank " +
                $"{new Arbor.Training.GrpoTrainConfig().Lora.Rank}: {result.Files} files, " +
                $"{result.Bytes / 1e6:F2} MB, {n} writes each, in {scratch} ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)"));
            var table = new Table().Border(TableBorder.Rounded).AddColumn("write").AddColumn("ms: median (min–max)");
            table.AddRow("GrpoCheckpoint.Save (serialize + fsync + rename)", result.Save.FormatMilliseconds());
            table.AddRow("the same bytes, AtomicDirectory.Write (fsync)", result.Durable.FormatMilliseconds());
            table.AddRow("the same bytes, no fsync (before)", result.Unsynced.FormatMilliseconds());
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"fsync adds {(result.Durable.Median - result.Unsynced.Median) * 1e3:F1} ms per checkpoint (medians)");
            return 0;
        });
        return cmd;
    }
}
