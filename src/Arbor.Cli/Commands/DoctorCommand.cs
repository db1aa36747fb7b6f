using System.CommandLine;
using System.Diagnostics;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;
using Spectre.Console;

namespace Arbor.Cli.Commands;

/// <summary>
/// `arbor doctor`: what Arbor runs on (libtorch, BLAS, threads, devices), then proof that training
/// works: a small MLP fits a synthetic regression and the loss must fall.
/// </summary>
public static class DoctorCommand
{
    public static Command Create()
    {
        var steps = new Option<int>("--steps") { Description = "Training steps of the MLP check", DefaultValueFactory = _ => 300 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of data and initialization", DefaultValueFactory = _ => 0 };
        var distributed = new Option<bool>("--distributed")
        {
            Description =
                "Instead: join the job in RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT (arbor launch, torchrun) and check its collectives"
        };
        var timeout = new Option<double>("--timeout-seconds")
        {
            Description = "With --distributed: bound on the rendezvous and each collective",
            DefaultValueFactory = _ => 60
        };
        var cmd = new Command("doctor", "Check the libtorch installation and train a small MLP.") { steps, seed, distributed, timeout };
        cmd.SetAction(r => r.GetValue(distributed) ? CheckDistributed(TimeSpan.FromSeconds(r.GetValue(timeout)))
            : Run(r.GetValue(steps), r.GetValue(seed)));
        return cmd;
    }

    /// <summary>
    /// A distributed job's connectivity check, one line per rank: the rendezvous, an allreduce whose sum every rank can
    /// check (Σ (r + 1) = W(W + 1)/2), a broadcast from the last rank, an allgather of each rank's host name and PID,
    /// and a barrier. A rank that cannot reach the others fails within the timeout with an error naming it.
    /// </summary>
    private static int CheckDistributed(TimeSpan timeout)
    {
        ThreadDefaults.Apply();
        var env = Arbor.Tensors.Distributed.DistributedEnvironment.Read();
        var clock = Stopwatch.StartNew();
        using var group = Arbor.Tensors.Distributed.ProcessGroup.Create(env, timeout);
        double joined = clock.Elapsed.TotalSeconds;
        using var scope = Torch.NewScope();
        var x = Torch.Full([4], env.Rank + 1.0f);
        group.AllReduce(x);
        float expected = env.WorldSize * (env.WorldSize + 1) / 2f;
        var sums = x.ToArray<float>();
        var root = Torch.Full([2], (float)env.Rank);
        group.Broadcast(root, root: env.WorldSize - 1);
        var who = group.AllGatherBytes(System.Text.Encoding.UTF8.GetBytes($"{Environment.MachineName}:{Environment.ProcessId}"))
            .Select(b => System.Text.Encoding.UTF8.GetString(b)).ToList();
        group.Barrier();
        bool ok = sums.All(v => v == expected) && root.ToArray<float>().All(v => v == env.WorldSize - 1);
        Console.WriteLine($"rank {env.Rank} of {env.WorldSize} (local {env.LocalRank}, {group.Backend}, master " +
            $"{env.MasterAddress}:{env.MasterPort}): " +
            $"joined in {joined:F2} s; allreduce sum {sums[0]:G} (expected {expected:G}); broadcast from rank {env.WorldSize - 1} " +
            $"{(ok ? "ok" : "WRONG")}; " +
            $"ranks at {string.Join(", ", who)}; {clock.Elapsed.TotalSeconds:F2} s in all");
        if (!ok) Console.Error.WriteLine($"error: rank {env.Rank}: the collectives returned wrong values");
        return ok ? 0 : 1;
    }

    private static int Run(int steps, ulong seed)
    {
        ThreadDefaults.Apply();
        var info = new Table().Border(TableBorder.Rounded).AddColumn("check").AddColumn("value");
        info.AddRow("libtorch", TorchRuntime.LibTorchVersion);
        var blas = TorchRuntime.BlasInfo;
        info.AddRow("BLAS", Markup.Escape(blas.Length > 0 ? blas : "not OpenBLAS (see build config)"));
        info.AddRow("threads",
            $"intra-op {TorchRuntime.IntraOpThreads}, BLAS {TorchRuntime.BlasThreads}, cores {Environment.ProcessorCount}");
        info.AddRow("devices",
            TorchRuntime.CudaAvailable ? $"cpu, cuda x{TorchRuntime.CudaDeviceCount}" : "cpu (no CUDA in this libtorch)");
        info.AddRow("attention", F.FusedAttentionAvailable ? "fused scaled_dot_product_attention" : "composite (libtorch < 2.0)");
        AnsiConsole.Write(info);

        AnsiConsole.MarkupLine($"[bold]Training[/] an MLP 8→64→64→1 on y = sin(x·w) for {steps} steps (AdamW, lr 3e-3)");
        var losses = TrainMlp(steps, seed, (step, loss) =>
        {
            if (step % Math.Max(1, steps / 10) == 0 || step == steps - 1)
                AnsiConsole.MarkupLine($"  step {step,4}  loss {loss:F5}");
        }, out var seconds);

        double first = losses.Take(10).Average(), last = losses.TakeLast(10).Average();
        bool ok = last < 0.25 * first && double.IsFinite(last);
        AnsiConsole.MarkupLine($"  {steps} steps in {seconds:F2} s ({steps / seconds:F0} steps/s); loss {first:F4} → {last:F4}");
        AnsiConsole.MarkupLine(ok ? "[green]OK[/]: the loss fell by more than 4x." : "[red]FAIL[/]: the loss did not fall as expected.");
        return ok ? 0 : 1;
    }

    /// <summary>The doctor's training check, also used by tests: returns the loss at every step.</summary>
    public static List<double> TrainMlp(int steps, ulong seed, Action<int, double>? report, out double seconds)
    {
        using var gen = new Generator(seed);
        using var model = new Sequential(
            new Linear(8, 64, generator: gen), Activation.Gelu(),
            new Linear(64, 64, generator: gen), Activation.Gelu(),
            new Linear(64, 1, generator: gen));
        using var opt = new AdamW(model.NamedParameters(), new AdamWOptions { LearningRate = 3e-3, WeightDecay = 0 });
        using var data = Torch.NewScope();
        var w = Torch.Randn([8, 1], gen);
        var x = Torch.Randn([256, 8], gen);
        var y = x.Matmul(w).Sin();

        var losses = new List<double>(steps);
        var clock = Stopwatch.StartNew();
        for (int step = 0; step < steps; step++)
        {
            using var scope = Torch.NewScope();
            var loss = F.MseLoss(model.Forward(x), y);
            opt.ZeroGrad();
            loss.Backward();
            opt.Step();
            losses.Add(loss.Item());
            report?.Invoke(step, losses[^1]);
        }
        seconds = clock.Elapsed.TotalSeconds;
        return losses;
    }
}
