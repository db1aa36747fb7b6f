using System.CommandLine;
using Arbor.Cli;
using Arbor.Cli.Commands;

// `arbor`: every subcommand lives in Commands/, one file each (bench's own subcommands in Commands/Bench/).
var root = new RootCommand("Arbor: online RL post-training of text-to-image generators with tree-structured GRPO.");
root.Subcommands.Add(DoctorCommand.Create());
root.Subcommands.Add(PretrainCommand.Create());
root.Subcommands.Add(SampleCommand.Create());
root.Subcommands.Add(EvalCommand.Create());
root.Subcommands.Add(TrainCommand.Create());
root.Subcommands.Add(TreeCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(ReportCommand.Create());
root.Subcommands.Add(RewardServeCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
root.Subcommands.Add(LaunchCommand.Create());

// Errors are reported by CliErrorReport (the message that names the problem, no stack trace),
// not by System.CommandLine's default handler, which prints the trace of every error.
Interruption.Install();
Arbor.Tensors.ComputePrecision.SlowBf16Warning = message => Console.Error.WriteLine("warning: " + message);
Arbor.Cli.Output.PlainWhenRedirected.Install();
try
{
    return root.Parse(args).Invoke(new InvocationConfiguration
    {
        EnableDefaultExceptionHandler = false,
        // signals are Interruption's alone: System.CommandLine's own handler would cancel an async command and exit after 2 s
        ProcessTerminationTimeout = null,
    });
}
catch (Exception ex) when (ex is Arbor.Runs.RunInterruptedException || ex.InnerException is Arbor.Runs.RunInterruptedException)
{
    Console.Out.Flush();
    Console.Error.WriteLine((ex as Arbor.Runs.RunInterruptedException ?? (Arbor.Runs.RunInterruptedException)ex.InnerException!).Message);
    return Interruption.ExitCode;
}
catch (Exception ex)
{
    Console.Out.Flush();
    Console.Error.WriteLine(CliErrorReport.Format(ex, CliErrorReport.TraceRequested()));
    return CliErrorReport.ExitCode;
}
