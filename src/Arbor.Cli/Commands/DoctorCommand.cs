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
        var cmd = new Command("doctor", "Check the libtorch installation and train a small MLP.") { steps, seed };
        cmd.SetAction(r => Run(r.GetValue(steps), r.GetValue(seed)));
        return cmd;
    }

    private static int Run(int steps, ulong seed)
    {
        ThreadDefaults.Apply();
        var info = new Table().Border(TableBorder.Rounded).AddColumn("check").AddColumn("value");
        info.AddRow("libtorch", TorchRuntime.LibTorchVersion);
        var blas = TorchRuntime.BlasInfo;
        info.AddRow("BLAS", Markup.Escape(blas.Length > 0 ? blas : "not OpenBLAS (see build config)"));
        info.AddRow("threads", $"intra-op {TorchRuntime.IntraOpThreads}, BLAS {TorchRuntime.BlasThreads}, cores {Environment.ProcessorCount}");
        info.AddRow("devices", TorchRuntime.CudaAvailable ? $"cpu, cuda x{TorchRuntime.CudaDeviceCount}" : "cpu (no CUDA in this libtorch)");
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
