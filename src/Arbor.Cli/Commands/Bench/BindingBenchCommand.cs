using System.CommandLine;
using System.Text.Json;
using Arbor.Cli.Bench;
using Arbor.Runs;
using Arbor.Tensors;
using Spectre.Console;

namespace Arbor.Cli.Commands.Bench;

/// <summary>`arbor bench binding`: what the binding costs against PyTorch eager: per op, per transformer step, per SGEMM.</summary>
internal static class BindingBenchCommand
{
    // What --out FILE holds, by which a rerun knows it may replace the file (anything else is refused)
    private static readonly OutputKind Output = OutputKind.JsonFile("an `arbor bench binding` output", ["settings", "arbor.tiny_add_us"]);

    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "libtorch and BLAS threads, for both sides", DefaultValueFactory = _ => Environment.ProcessorCount };
        var reps = new Option<int>("--reps") { Description = "Timed repetitions per measurement and round", DefaultValueFactory = _ => 5 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds, each running Arbor then PyTorch, so machine noise hits both alike", DefaultValueFactory = _ => 3 };
        var python = new Option<string>("--python") { Description = "Python with PyTorch for the reference; 'none' to skip", DefaultValueFactory = _ => "/usr/bin/python3" };
        var output = new Option<string?>("--out") { Description = "Write the raw samples as JSON here" };
        var cmd = new Command("binding", "Per-op overhead, transformer forward+backward and SGEMM: Arbor vs PyTorch.") { threads, reps, rounds, python, output };
        cmd.SetAction(r =>
        {
            // before minutes of measurement: a file that is not an earlier result is refused, not overwritten at the end
            if (r.GetValue(output) is { } outFile) OutputGuard.CheckCanWriteFile(outFile, Output);
            var s = new BindingBenchSettings { Threads = r.GetValue(threads), Reps = r.GetValue(reps) };
            int nRounds = Math.Max(1, r.GetValue(rounds));
            AnsiConsole.MarkupLine($"[bold]arbor bench binding[/]: threads {s.Threads}, {nRounds} rounds x {s.Reps} reps, libtorch {TorchRuntime.LibTorchVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
            var py = r.GetValue(python)!;
            BindingBenchResult? arbor = null;
            System.Text.Json.Nodes.JsonObject? torch = null;
            string? problem = py == "none" ? "skipped (--python none)" : null;
            for (int round = 0; round < nRounds; round++)
            {
                arbor = arbor is null ? BindingBenchmark.RunArbor(s) : arbor.Concat(BindingBenchmark.RunArbor(s));
                if (problem is not null) continue;
                var (roundResult, why) = BindingBenchmark.RunPyTorch(s, py);
                problem = why;
                torch = roundResult is null ? torch : torch is null ? roundResult : BindingBenchmark.Concat(torch, roundResult);
            }

            var result = arbor!;
            var table = new Table().Border(TableBorder.Rounded)
                .AddColumn("measurement").AddColumn("Arbor: median (min–max)").AddColumn("PyTorch eager").AddColumn("ratio");
            string Ratio(double value) => $"{value:F2}x";
            if (torch is not null)
            {
                var tTiny = BindingBenchmark.SampleOf(torch, "tiny_add_us");
                var tStep = BindingBenchmark.SampleOf(torch, "transformer_s");
                var tGemm = BindingBenchmark.SampleOf(torch, "sgemm_gflops");
                table.AddRow("add 8x8 (µs/op)", result.TinyAddMicroseconds.Format("µs"), tTiny.Format("µs"), Ratio(tTiny.Median / result.TinyAddMicroseconds.Median) + " faster");
                table.AddRow($"transformer fwd+bwd ({result.Parameters / 1e6:F2}M params, batch {s.Batch})", result.TransformerSeconds.Format("s"), tStep.Format("s"), Ratio(tStep.Median / result.TransformerSeconds.Median) + " faster");
                table.AddRow($"SGEMM {s.Gemm}³ (GFLOP/s)", result.SgemmGflops.Format("GF/s", "F1"), tGemm.Format("GF/s", "F1"), Ratio(result.SgemmGflops.Median / tGemm.Median));
            }
            else
            {
                table.AddRow("add 8x8 (µs/op)", result.TinyAddMicroseconds.Format("µs"), Markup.Escape(problem!), "");
                table.AddRow($"transformer fwd+bwd ({result.Parameters / 1e6:F2}M params)", result.TransformerSeconds.Format("s"), "", "");
                table.AddRow($"SGEMM {s.Gemm}³ (GFLOP/s)", result.SgemmGflops.Format("GF/s", "F1"), "", "");
            }
            table.AddRow("OpenBLAS sgemm direct (peak)", result.OpenBlasGflops.Format("GF/s", "F1"), "", Ratio(result.SgemmGflops.Median / result.OpenBlasGflops.Median) + " of peak");
            AnsiConsole.Write(table);

            if (r.GetValue(output) is { } path)
            {
                var json = new
                {
                    date = DateTime.UtcNow.ToString("O"),
                    machine = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}",
                    settings = s,
                    arbor = new { tiny_add_us = result.TinyAddMicroseconds.Values, transformer_s = result.TransformerSeconds.Values, sgemm_gflops = result.SgemmGflops.Values, openblas_gflops = result.OpenBlasGflops.Values, parameters = result.Parameters },
                    pytorch = torch,
                    pytorch_problem = problem,
                };
                File.WriteAllText(path, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
                AnsiConsole.MarkupLine($"raw samples: {Markup.Escape(path)}");
            }
            return 0;
        });
        return cmd;
    }
}
