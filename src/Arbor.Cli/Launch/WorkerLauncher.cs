using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Arbor.Cli.Launch;

/// <summary>Where this launcher's workers sit in the job: torchrun's arguments.</summary>
/// <param name="ProcsPerNode">Workers this launcher starts (torchrun's --nproc-per-node).</param>
/// <param name="Nodes">Launchers in the job, one per machine (--nnodes); the world size is Nodes x ProcsPerNode.</param>
/// <param name="NodeRank">This launcher's index among them (--node-rank);
/// its workers' ranks are NodeRank x ProcsPerNode + local rank.</param>
/// <param name="MasterAddress">Where rank 0 serves the rendezvous store (torchrun's default 127.0.0.1).</param>
/// <param name="MasterPort">Its TCP port (torchrun's default 29500).</param>
/// <param name="Grace">How long a worker asked to stop (SIGTERM) may take before it is killed.</param>
public sealed record LaunchPlan(int ProcsPerNode, int Nodes = 1, int NodeRank = 0, string MasterAddress = "127.0.0.1",
    int MasterPort = 29500, TimeSpan? Grace = null)
{
    public int WorldSize => Nodes * ProcsPerNode;

    public TimeSpan GraceOrDefault => Grace ?? TimeSpan.FromSeconds(30);

    /// <summary>Rejects a plan torchrun would reject, naming the argument.</summary>
    public void Validate()
    {
        if (ProcsPerNode < 1) throw new ArgumentException($"--nproc-per-node must be at least 1 (got {ProcsPerNode})");
        if (Nodes < 1) throw new ArgumentException($"--nnodes must be at least 1 (got {Nodes})");
        if (NodeRank < 0 || NodeRank >= Nodes)
            throw new ArgumentException($"--node-rank {NodeRank} is out of range for --nnodes {Nodes} (0..{Nodes - 1})");
        if (MasterPort is < 1 or > 65535) throw new ArgumentException($"--master-port {MasterPort} is not a TCP port (1-65535)");
        if (string.IsNullOrWhiteSpace(MasterAddress) || MasterAddress.Any(char.IsWhiteSpace))
            throw new ArgumentException($"--master-addr '{MasterAddress}' is not a host name or an IP address");
    }

    /// <summary>
    /// The variables a worker gets beside the launcher's own environment: torchrun's five, its LOCAL_WORLD_SIZE and
    /// GROUP_RANK, and ARBOR_THREADS = this machine's cores shared among its workers (torchrun sets OMP_NUM_THREADS=1;
    /// an even share is what `arbor bench threads` measures fastest) unless the user set ARBOR_THREADS.
    /// </summary>
    public IReadOnlyDictionary<string, string> WorkerEnvironment(int localRank, Func<string, string?> lookup, int cores)
    {
        var env = new Dictionary<string, string>
        {
            ["RANK"] = $"{NodeRank * ProcsPerNode + localRank}",
            ["WORLD_SIZE"] = $"{WorldSize}",
            ["LOCAL_RANK"] = $"{localRank}",
            ["LOCAL_WORLD_SIZE"] = $"{ProcsPerNode}",
            ["GROUP_RANK"] = $"{NodeRank}",
            ["MASTER_ADDR"] = MasterAddress,
            ["MASTER_PORT"] = MasterPort.ToString(CultureInfo.InvariantCulture),
        };
        if (string.IsNullOrEmpty(lookup("ARBOR_THREADS"))) env["ARBOR_THREADS"] = $"{Math.Max(1, cores / ProcsPerNode)}";
        return env;
    }
}

/// <summary>How a launch ended: every worker's exit code, and the first failure (null: all succeeded).</summary>
public sealed record LaunchOutcome(IReadOnlyList<int> ExitCodes, int? FailedRank, string? Error)
{
    /// <summary>0 when every worker succeeded; otherwise the first failing worker's exit code.</summary>
    public int ExitCode => FailedRank is int r ? ExitCodes[r] is 0 ? 1 : ExitCodes[r] : 0;
}

/// <summary>
/// `arbor launch`'s supervisor, torchrun's job on one machine: starts the workers with their rank's variables, prefixes
/// each line they print with "[rank R]", and when one fails asks the others to stop (SIGTERM, then SIGKILL after the
/// grace period) and reports that rank's error. Workers run in their own session (setsid), so a Ctrl+C at the terminal
/// reaches the launcher alone, which forwards one SIGTERM to each: a worker sees one stop request, takes its clean path
/// (checkpoint, exit 143), and is not hit twice by the terminal's SIGINT and the launcher's.
/// </summary>
public sealed partial class WorkerLauncher : IDisposable
{
    private const int SigTerm = 15, SigKill = 9;
    private readonly LaunchPlan _plan;
    private readonly Process[] _workers;
    private readonly Queue<string>[] _stderrTail;
    private readonly object _write = new();
    private readonly TextWriter _out, _err;
    private int _stopping;
    private bool _ownSessions;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    private WorkerLauncher(LaunchPlan plan, TextWriter stdout, TextWriter stderr)
    {
        _plan = plan;
        (_out, _err) = (stdout, stderr);
        _workers = new Process[plan.ProcsPerNode];
        _stderrTail = [.. Enumerable.Range(0, plan.ProcsPerNode).Select(_ => new Queue<string>())];
    }

    /// <summary>
    /// Starts the plan's workers, each running <paramref name="command"/> (the worker program and its arguments), and
    /// supervises them to the end; <paramref name="stop"/> (the launcher's own Ctrl+C or SIGTERM) asks them all to stop,
    /// and <paramref name="onStarted"/> gets the launcher before the first worker starts (to kill them on a forced exit).
    /// </summary>
    public static LaunchOutcome Run(LaunchPlan plan, IReadOnlyList<string> command, CancellationToken stop, TextWriter? stdout = null,
        TextWriter? stderr = null,
        Action<WorkerLauncher>? onStarted = null)
    {
        plan.Validate();
        if (command.Count == 0)
        {
            throw new ArgumentException("nothing to launch: give the worker command after --, e.g. `arbor launch --nproc-per-node 2 -- " +
                "train --config configs/flow-grpo.yaml`");
        }
        using var launcher = new WorkerLauncher(plan, stdout ?? Console.Out, stderr ?? Console.Error);
        onStarted?.Invoke(launcher);
        return launcher.Supervise(command, stop);
    }

    private LaunchOutcome Supervise(IReadOnlyList<string> command, CancellationToken stop)
    {
        for (int local = 0; local < _plan.ProcsPerNode; local++) _workers[local] = Start(local, command);
        using var onStop = stop.Register(() => StopAll("the launcher was asked to stop"));
        var exits = _workers.Select(w => w.WaitForExitAsync()).ToArray();
        var codes = new int?[_workers.Length];
        int? failed = null;
        var pending = exits.ToList();
        while (pending.Count > 0)
        {
            var done = Task.WhenAny(pending).GetAwaiter().GetResult();
            pending.Remove(done);
            int local = Array.IndexOf(exits, done);
            _workers[local].WaitForExit();   // drains the output readers
            codes[local] = _workers[local].ExitCode;
            if (codes[local] != 0 && failed is null && Volatile.Read(ref _stopping) == 0)
            {
                failed = local;
                StopAll($"rank {RankOf(local)} failed");
            }
        }
        var exitCodes = codes.Select(c => c ?? -1).ToList();
        if (failed is int f) return new LaunchOutcome(exitCodes, f, FailureMessage(f, exitCodes[f]));
        // stopped by a signal: the workers' own codes (143 after a clean stop) say how each ended
        int firstBad = exitCodes.FindIndex(c => c != 0);
        return firstBad < 0 ? new LaunchOutcome(exitCodes, null, null)
            : new LaunchOutcome(exitCodes, firstBad,
                $"rank {RankOf(firstBad)} exited with code {exitCodes[firstBad]} after the launcher was asked to stop");
    }

    private int RankOf(int local) => _plan.NodeRank * _plan.ProcsPerNode + local;

    private Process Start(int local, IReadOnlyList<string> command)
    {
        var (program, args) = WorkerCommand(command);
        var setsid = File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : null;
        _ownSessions = setsid is not null;
        var start = new ProcessStartInfo(setsid ?? program)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false
        };
        if (setsid is not null) start.ArgumentList.Add(program);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in _plan.WorkerEnvironment(local, Environment.GetEnvironmentVariable, Environment.ProcessorCount))
            start.Environment[k] = v;
        var worker = new Process { StartInfo = start };
        string prefix = $"[rank {RankOf(local)}] ";
        worker.OutputDataReceived += (_, e) => { if (e.Data is { } line) Write(_out, prefix + line); };
        worker.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not { } line) return;
            lock (_stderrTail[local]) { _stderrTail[local].Enqueue(line); if (_stderrTail[local].Count > 40) _stderrTail[local].Dequeue(); }
            Write(_err, prefix + line);
        };
        if (!worker.Start()) throw new InvalidOperationException($"could not start rank {RankOf(local)}: {program}");
        worker.BeginOutputReadLine();
        worker.BeginErrorReadLine();
        return worker;
    }

    /// <summary>
    /// The worker program: this same arbor (its apphost, or `dotnet arbor.dll` when run that way) with the given
    /// subcommand; a command that names another program (a path, or `dotnet`) runs as given.
    /// </summary>
    public static (string Program, IReadOnlyList<string> Args) WorkerCommand(IReadOnlyList<string> command)
    {
        var first = command[0];
        if (first.Contains('/') || first == "dotnet") return (first, [.. command.Skip(1)]);
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("cannot tell which program this arbor is");
        if (Path.GetFileNameWithoutExtension(self) == "dotnet")
            return (self, [typeof(WorkerLauncher).Assembly.Location, .. command]);
        return (self, command);
    }

    private void Write(TextWriter writer, string line)
    {
        lock (_write) { writer.WriteLine(line); writer.Flush(); }
    }

    /// <summary>Asks every running worker to stop (SIGTERM), and kills those still running after the grace period.</summary>
    private void StopAll(string why)
    {
        if (Interlocked.Exchange(ref _stopping, 1) == 1) return;
        Write(_err, $"launch: {why}: stopping the other workers (SIGTERM; SIGKILL after {_plan.GraceOrDefault.TotalSeconds:G} s)");
        foreach (var w in Running()) Signal(w, SigTerm);
        var grace = _plan.GraceOrDefault;
        _ = Task.Run(async () =>
        {
            await Task.Delay(grace);
            foreach (var w in Running()) Write(_err, $"launch: pid {w.Id} still running after {grace.TotalSeconds:G} s: killed");
            KillAll();
        });
    }

    /// <summary>Kills every worker and what it started at once: the launcher's
    /// second Ctrl+C, the grace period's end, or its own exit.</summary>
    public void KillAll()
    {
        // the whole group even where its leader has exited: a child it left holding the output pipes would keep it open
        foreach (var w in _workers.Where(w => w is not null)) Signal(w, SigKill);
    }

    /// <summary>
    /// A signal to the worker's process group when it leads one (setsid): the worker and whatever it started (a shell's
    /// children, which would otherwise keep the output pipes open after it dies). ESRCH (already gone) is ignored.
    /// </summary>
    private void Signal(Process worker, int signal)
    {
        int pid;
        try { pid = worker.Id; } catch (InvalidOperationException) { return; }
        Kill(_ownSessions ? -pid : pid, signal);
    }

    private IEnumerable<Process> Running() => _workers.Where(w => w is not null && !HasExited(w)).ToList();

    private static bool HasExited(Process p)
    {
        try { return p.HasExited; } catch (InvalidOperationException) { return true; }
    }

    /// <summary>"rank 1 failed (exit code 2): error: ..." with the error lines the worker printed last.</summary>
    private string FailureMessage(int local, int code)
    {
        List<string> tail;
        lock (_stderrTail[local]) tail = [.. _stderrTail[local]];
        int start = tail.FindLastIndex(l => l.StartsWith("error:", StringComparison.Ordinal));
        var said = start >= 0 ? tail[start..].TakeWhile((l, i) => i == 0 || l.StartsWith("  ", StringComparison.Ordinal)).ToList()
            : tail.TakeLast(5).ToList();
        var what = code > 128 && code < 160 ? $"exit code {code}, signal {code - 128}" : $"exit code {code}";
        return $"rank {RankOf(local)} failed ({what})" + (said.Count > 0 ? ":\n" + string.Join("\n", said) : " without an error message");
    }

    public void Dispose()
    {
        foreach (var w in Running()) Signal(w, SigKill);
        foreach (var w in _workers) w?.Dispose();
    }
}
