using System.CommandLine;
using Arbor.Cli.Bench;
using Spectre.Console;

namespace Arbor.Cli.Commands.Bench;

/// <summary>`arbor bench threads`: a transformer step and a convolution under each split of intra-op and BLAS threads.</summary>
internal static class ThreadsBenchCommand
{
    public static Command Create()
    {
        var reps = new Option<int>("--reps") { Description = "Timed repetitions per setting", DefaultValueFactory = _ => 5 };
        var cmd = new Command("threads", "Transformer step and conv time under each (intra-op, BLAS) thread split.") { reps };
        cmd.SetAction(r =>
        {
            int cores = Environment.ProcessorCount;
            var table = new Table().Border(TableBorder.Rounded).AddColumn("intra-op").AddColumn("BLAS").AddColumn("transformer step (s)")
                .AddColumn("conv 3x3 fwd+bwd (s)");
            var settings = new List<(int, int)>();
            foreach (var i in new[] { 1, cores }.Distinct())
            {
                foreach (var b in new[] { 1, cores }.Distinct())
                    settings.Add((i, b));
            }
            foreach (var (intra, blas) in settings)
            {
                var (step, conv) = ThreadStudy.Run(intra, blas, r.GetValue(reps));
                table.AddRow($"{intra}", $"{blas}", step.Format("s"), conv.Format("s"));
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return cmd;
    }
}
