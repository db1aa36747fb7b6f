using System.CommandLine;
using Arbor.Cli.Commands;

// `arbor`: every subcommand lives in Commands/, one file each.
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
return root.Parse(args).Invoke();
