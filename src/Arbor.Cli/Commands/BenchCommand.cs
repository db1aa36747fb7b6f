using System.CommandLine;
using Arbor.Cli.Commands.Bench;

namespace Arbor.Cli.Commands;

/// <summary>
/// `arbor bench ...`: the performance measurements reported in docs/BENCHMARKS.md. Each subcommand's options and
/// action are in Commands/Bench/, what it measures in Bench/.
/// </summary>
public static class BenchCommand
{
    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks (results go to docs/BENCHMARKS.md).");
        bench.Subcommands.Add(BindingBenchCommand.Create());
        bench.Subcommands.Add(ThreadsBenchCommand.Create());
        bench.Subcommands.Add(FlowLossBenchCommand.Create());
        bench.Subcommands.Add(StrategiesBenchCommand.Create());
        bench.Subcommands.Add(ModelBenchCommand.Create());
        bench.Subcommands.Add(RewardSpreadBenchCommand.Create());
        bench.Subcommands.Add(GradientNoiseBenchCommand.Create());
        bench.Subcommands.Add(PrecisionBenchCommand.Create());
        bench.Subcommands.Add(RlThroughputBenchCommand.Create());
        bench.Subcommands.Add(CompareBenchCommand.Create());
        bench.Subcommands.Add(TableBenchCommand.Create());
        bench.Subcommands.Add(CheckpointBenchCommand.Create());
        return bench;
    }
}
