using System.CommandLine;
using Arbor.Cli.Bench;
using Arbor.Runs;
using Spectre.Console;

namespace Arbor.Cli.Commands.Bench;

/// <summary>`arbor bench binding`: what the binding costs against PyTorch eager: per op, per transformer step, per SGEMM.</summary>
internal static class BindingBenchCommand
{
    // What --out FILE holds, by which a rerun knows it may replace the file (anything else is refused)
    private static readonly OutputKind Output = OutputKind.JsonFile("an `arbor bench binding` output", ["settings", "arbor.tiny_add_us"]);

    public static Command Create()
    {
        var reference = new PyTorchReferenceOptions("Rounds, each running Arbor then PyTorch, so machine noise hits both alike");
        var cmd = new Command("binding", "Per-op overhead, transformer forward+backward and SGEMM: Arbor vs PyTorch.");
        reference.AddTo(cmd);
        cmd.SetAction(r =>
        {
            reference.CheckCanWriteOut(r, Output);
            var s = new BindingBenchSettings { Threads = r.GetValue(reference.Threads), Reps = r.GetValue(reference.Reps) };
            int nRounds = reference.RoundCount(r);
            PyTorchRounds.PrintHeader("[bold]arbor bench binding[/]", s.Threads, nRounds, s.Reps);
            var py = r.GetValue(reference.Python)!;
            var rounds = PyTorchRounds.Run(nRounds, py, alternate: false, () => BindingBenchmark.RunArbor(s),
                _ => BindingBenchmark.RunPyTorch(s, py));
            var result = rounds.Arbor.Aggregate((a, b) => a.Concat(b));
            var torch = rounds.PyTorch.Count > 0 ? rounds.PyTorch.Aggregate(BindingBenchmark.Concat) : null;

            var table = new PyTorchComparisonTable("ratio", rounds.Problem);
            Sample? Torch(string key) => torch is null ? null : BindingBenchmark.SampleOf(torch, key);
            table.Add("add 8x8 (µs/op)", result.TinyAddMicroseconds, Torch("tiny_add_us"), "µs", "F3", Faster);
            var step = $"transformer fwd+bwd ({result.Parameters / 1e6:F2}M params{(torch is null ? "" : $", batch {s.Batch}")})";
            table.Add(step, result.TransformerSeconds, Torch("transformer_s"), "s", "F3", Faster);
            table.Add($"SGEMM {s.Gemm}³ (GFLOP/s)", result.SgemmGflops, Torch("sgemm_gflops"), "GF/s", "F1",
                PyTorchComparisonTable.ArborOverPyTorch);
            table.AddArborOnly("OpenBLAS sgemm direct (peak)", result.OpenBlasGflops.Format("GF/s", "F1"),
                PyTorchComparisonTable.Ratio(result.SgemmGflops.Median / result.OpenBlasGflops.Median) + " of peak");
            AnsiConsole.Write(table.Table);

            if (r.GetValue(reference.Out) is { } path)
            {
                BenchJson.WriteRawSamples(path, new
                {
                    date = DateTime.UtcNow.ToString("O"),
                    machine = BenchJson.Machine,
                    settings = s,
                    arbor = new
                    {
                        tiny_add_us = result.TinyAddMicroseconds.Values,
                        transformer_s = result.TransformerSeconds.Values,
                        sgemm_gflops = result.SgemmGflops.Values,
                        openblas_gflops = result.OpenBlasGflops.Values,
                        parameters = result.Parameters
                    },
                    pytorch = torch,
                    pytorch_problem = rounds.Problem,
                });
            }
            return 0;
        });
        return cmd;
    }

    // Times (µs, s) rather than rates: PyTorch's over Arbor's is how many times faster Arbor is
    private static string Faster(Sample arbor, Sample pytorch) => PyTorchComparisonTable.Ratio(pytorch.Median / arbor.Median) + " faster";
}
