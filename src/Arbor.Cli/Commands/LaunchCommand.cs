using System.CommandLine;
using Arbor.Cli.Launch;

namespace Arbor.Cli.Commands;

/// <summary>
/// `arbor launch`: torchrun for Arbor. Starts <c>--nproc-per-node</c> workers of an arbor command with RANK, WORLD_SIZE,
/// LOCAL_RANK, MASTER_ADDR and MASTER_PORT set, one launcher per machine for several machines.
/// </summary>
public static class LaunchCommand
{
    public static Command Create()
    {
        var procs = new Option<int>("--nproc-per-node") { Description = "Workers on this machine", DefaultValueFactory = _ => 1 };
        var nodes = new Option<int>("--nnodes")
        {
            Description = "Machines in the job, one launcher each (world size = nnodes x nproc-per-node)",
            DefaultValueFactory = _ => 1
        };
        var nodeRank = new Option<int>("--node-rank")
        {
            Description = "This machine's index, 0..nnodes-1 (node 0 hosts rank 0 and the rendezvous)",
            DefaultValueFactory = _ => 0
        };
        var addr = new Option<string>("--master-addr")
        {
            Description = "Address of node 0, reachable from every node (torchrun's default)",
            DefaultValueFactory = _ => "127.0.0.1"
        };
        var port = new Option<int>("--master-port")
        {
            Description =
                "TCP port of the rendezvous store on node 0 (torchrun's default); Gloo's own connections use further ephemeral ports",
            DefaultValueFactory = _ => 29500
        };
        var grace = new Option<double>("--grace-seconds")
        {
            Description = "How long a worker asked to stop may take before it is killed",
            DefaultValueFactory = _ => 30
        };
        var command = new Argument<string[]>("command")
        {
            Description = "The arbor command each worker runs, after --: e.g. -- train --config configs/flow-grpo.yaml",
            Arity = ArgumentArity.ZeroOrMore
        };
        var cmd = new Command("launch", "Start N workers of an arbor command with torchrun's variables (RANK, WORLD_SIZE, ...): " +
            "rank-prefixed output, signals forwarded, the first failure stops all.")
            { procs, nodes, nodeRank, addr, port, grace, command };
        cmd.SetAction(r =>
        {
            Interruption.StopsCleanly("stopping: every worker is asked to stop at its next clean point",
                "stopped at once: the workers were killed; a run resumes from its last checkpoint with --resume");
            var plan = new LaunchPlan(r.GetValue(procs), r.GetValue(nodes), r.GetValue(nodeRank), r.GetValue(addr)!, r.GetValue(port),
                TimeSpan.FromSeconds(r.GetValue(grace)));
            var outcome = WorkerLauncher.Run(plan, r.GetValue(command) ?? [], Interruption.Token,
                onStarted: launcher => Interruption.OnForcedStop(launcher.KillAll));
            // asked to stop, and every worker took its clean path (exit 143 after SIGTERM): the launcher exits as it was asked to
            if (Interruption.Token.IsCancellationRequested && outcome.ExitCodes.All(c => c is 0 or 143))
            {
                Console.Error.WriteLine($"launch: stopped; all {outcome.ExitCodes.Count} workers stopped cleanly");
                return Interruption.ExitCode;
            }
            if (outcome.Error is { } error) Console.Error.WriteLine($"launch: {error}");
            return outcome.ExitCode;
        });
        return cmd;
    }
}
