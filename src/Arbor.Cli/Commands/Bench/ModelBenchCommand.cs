using System.CommandLine;
using System.Text.Json;
using Arbor.Cli.Bench;
using Arbor.Runs;
using Arbor.Tensors;
using Spectre.Console;

namespace Arbor.Cli.Commands.Bench;

/// <summary>`arbor bench model`: the flow DiT's pretraining and sampling throughput against the same model in PyTorch.</summary>
internal static class ModelBenchCommand
{
    // What --out FILE holds, by which a rerun knows it may replace the file (anything else is refused)
    private static readonly OutputKind Output = OutputKind.JsonFile("an `arbor bench model` output", ["settings", "arbor.train_images_per_s"]);

    public static Command Create()
    {
        var threads = new Option<int>("--threads") { Description = "libtorch and BLAS threads, for both sides", DefaultValueFactory = _ => Environment.ProcessorCount };
        var reps = new Option<int>("--reps") { Description = "Timed repetitions per measurement and round", DefaultValueFactory = _ => 5 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds, each running Arbor and PyTorch in alternating order (Arbor first in even rounds), so machine noise and drift hit both alike", DefaultValueFactory = _ => 3 };
        var python = new Option<string>("--python") { Description = "Python with PyTorch for the reference; 'none' to skip", DefaultValueFactory = _ => "/usr/bin/python3" };
        var output = new Option<string?>("--out") { Description = "Write the raw samples as JSON here" };
        var quick = new Option<bool>("--quick") { Description = "Tiny model and batches (dim 32, depth 1, batch 4): a smoke test, not a measurement" };
        var batch = new Option<int?>("--batch") { Description = "Images per pretraining step (default 64)" };
        var sampleBatch = new Option<int?>("--sample-batch") { Description = "Images per guided sampling call (default 32; each step runs 2x that for CFG)" };
        var sampleSteps = new Option<int?>("--sample-steps") { Description = "Euler steps per sampling call (default 10)" };
        var cmd = new Command("model", "Flow DiT pretraining (images/s) and guided sampling (image-steps/s): Arbor vs the same model in PyTorch.")
            { threads, reps, rounds, python, output, quick, batch, sampleBatch, sampleSteps };
        cmd.SetAction(r =>
        {
            if (r.GetValue(output) is { } outFile) OutputGuard.CheckCanWriteFile(outFile, Output);
            var s = r.GetValue(quick) ? ModelBenchSettings.Quick(r.GetValue(threads)) : new ModelBenchSettings { Threads = r.GetValue(threads) };
            s = s with
            {
                Reps = Math.Max(1, r.GetValue(reps)),
                Batch = r.GetValue(batch) ?? s.Batch,
                SampleBatch = r.GetValue(sampleBatch) ?? s.SampleBatch,
                SampleSteps = r.GetValue(sampleSteps) ?? s.SampleSteps,
            };
            int nRounds = Math.Max(1, r.GetValue(rounds));
            var m = s.Model;
            AnsiConsole.MarkupLine($"[bold]arbor bench model[/]{(r.GetValue(quick) ? " [yellow](--quick: smoke test)[/]" : "")}: threads {s.Threads}, {nRounds} rounds x {s.Reps} reps, libtorch {TorchRuntime.LibTorchVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
            AnsiConsole.MarkupLine($"model: {m.ImageSize}x{m.ImageSize}, patch {m.PatchSize}, dim {m.Dim}, depth {m.Depth}, heads {m.Heads}; text dim {m.Text.Dim}, depth {m.Text.Depth}, {m.Text.MaxTokens} tokens, vocabulary {m.Text.VocabSize}");
            long arborParams = ModelBenchmark.ParameterCount(s);

            var py = r.GetValue(python)!;
            var arborRounds = new List<ModelBenchResult>();
            var torchRounds = new List<System.Text.Json.Nodes.JsonObject>();
            string? problem = py == "none" ? "skipped (--python none)" : null;
            var checkFile = Path.Combine(Path.GetTempPath(), $"arbor-model-bench-{Environment.ProcessId}.safetensors");
            try
            {
                if (problem is null) ModelBenchmark.WriteCheck(s, checkFile);
                for (int round = 0; round < nRounds; round++)
                {
                    // Alternate who goes first: with a fixed order, a machine that slows down over a round
                    // (thermal, a neighbour starting) always penalises the same side.
                    bool arborFirst = round % 2 == 0;
                    ModelBenchResult? arborRound = arborFirst ? ModelBenchmark.RunArbor(s) : null;
                    if (problem is null)
                    {
                        var (roundResult, why) = ModelBenchmark.RunPyTorch(s, py, arborParams, round == 0 ? checkFile : null);
                        problem = why;
                        if (roundResult is not null) torchRounds.Add(roundResult);
                    }
                    arborRounds.Add(arborRound ?? ModelBenchmark.RunArbor(s));
                }
            }
            finally
            {
                File.Delete(checkFile);
            }

            // Pooled over rounds; the PyTorch pool keeps the first round's same-model check.
            var result = arborRounds.Aggregate((a, b) => a.Concat(b));
            var torch = torchRounds.Count > 0 ? torchRounds.Aggregate(ModelBenchmark.Concat) : null;
            string Ratio(double value) => $"{value:F2}x";
            var trainLabel = $"pretraining step (images/s, batch {s.Batch})";
            var sampleLabel = $"guided Euler sampling (image-steps/s, B {s.SampleBatch}, {s.SampleSteps} steps, CFG 2x{s.SampleBatch})";
            var rolloutLabel = $"Flow-GRPO rollout, SDE + log-prob (image-steps/s, B {s.SampleBatch}, T = {s.SampleSteps}) vs PyTorch's sampling forwards";
            var table = new Table().Border(TableBorder.Rounded)
                .AddColumn("measurement").AddColumn("Arbor: median (min–max)").AddColumn("PyTorch eager").AddColumn("Arbor / PyTorch");
            bool ok = true;
            if (torch is not null)
            {
                var tTrain = ModelBenchmark.SampleOf(torch, "train_images_per_s");
                var tSample = ModelBenchmark.SampleOf(torch, "sample_image_steps_per_s");
                table.AddRow(Markup.Escape(trainLabel), result.TrainImagesPerSecond.Format("img/s", "F1"), tTrain.Format("img/s", "F1"), Ratio(result.TrainImagesPerSecond.Median / tTrain.Median));
                table.AddRow(Markup.Escape(sampleLabel), result.SampleImageStepsPerSecond.Format("img-steps/s", "F1"), tSample.Format("img-steps/s", "F1"), Ratio(result.SampleImageStepsPerSecond.Median / tSample.Median));
                table.AddRow(Markup.Escape(rolloutLabel), result.RolloutImageStepsPerSecond.Format("img-steps/s", "F1"), tSample.Format("img-steps/s", "F1"), Ratio(result.RolloutImageStepsPerSecond.Median / tSample.Median));
            }
            else
            {
                table.AddRow(Markup.Escape(trainLabel), result.TrainImagesPerSecond.Format("img/s", "F1"), Markup.Escape(problem!), "");
                table.AddRow(Markup.Escape(sampleLabel), result.SampleImageStepsPerSecond.Format("img-steps/s", "F1"), "", "");
                table.AddRow(Markup.Escape(rolloutLabel), result.RolloutImageStepsPerSecond.Format("img-steps/s", "F1"), "", "");
            }
            AnsiConsole.Write(table);

            if (torch is not null)
            {
                long torchParams = torch["params"]!.GetValue<long>();
                ok &= torchParams == result.Parameters;
                AnsiConsole.MarkupLine($"parameters: Arbor {result.Parameters:N0}, PyTorch {torchParams:N0} " + (torchParams == result.Parameters ? "[green](match)[/]" : "[red](MISMATCH)[/]"));
                if (torch["check"] is System.Text.Json.Nodes.JsonObject check)
                {
                    double dv = check["velocity_max_abs_diff"]!.GetValue<double>(), vmax = check["velocity_max_abs"]!.GetValue<double>();
                    double dp = check["positions_max_abs_diff"]!.GetValue<double>(), dpool = check["pooled_max_abs_diff"]!.GetValue<double>();
                    bool same = dv <= 1e-5 * Math.Max(1, vmax) && dp <= 1e-6 && dpool <= 1e-5;   // same libtorch: usually exactly 0
                    ok &= same;
                    AnsiConsole.MarkupLine($"same model: Arbor's random weights loaded strictly by name into the PyTorch model; max |Δv| {dv:G3} (|v| ≤ {vmax:G3}), |Δpooled| {dpool:G3}, |Δpositions| {dp:G3} " + (same ? "[green](match)[/]" : "[red](MISMATCH)[/]"));
                }
                if (torchRounds.Count == arborRounds.Count)
                {
                    // Paired ratios: each round's two sides ran minutes apart, so their ratio cancels most of
                    // the machine's drift between rounds; the median over rounds is the number to quote.
                    var trainRatios = ModelBenchmark.RoundRatios(arborRounds.Select(a => a.TrainImagesPerSecond), torchRounds.Select(t => ModelBenchmark.SampleOf(t, "train_images_per_s")));
                    var sampleRatios = ModelBenchmark.RoundRatios(arborRounds.Select(a => a.SampleImageStepsPerSecond), torchRounds.Select(t => ModelBenchmark.SampleOf(t, "sample_image_steps_per_s")));
                    AnsiConsole.MarkupLine(Markup.Escape($"per-round ratios (Arbor / PyTorch, round medians): pretraining {Ratios(trainRatios)}; sampling {Ratios(sampleRatios)}"));
                    static string Ratios(Sample r) => $"median {r.Median:F2}x (min {r.Min:F2}x, max {r.Max:F2}x) over [{string.Join(", ", r.Values.Select(v => v.ToString("F2")))}]";
                }
                AnsiConsole.MarkupLine($"PyTorch {Markup.Escape(torch["torch"]?.GetValue<string>() ?? "?")}, {torch["threads"]} threads, AdamW foreach {torch["adamw_foreach"]}, fused attention {torch["fused_attention"]}");
            }
            else
            {
                AnsiConsole.MarkupLine($"parameters: Arbor {result.Parameters:N0}");
            }

            if (r.GetValue(output) is { } path)
            {
                var json = new
                {
                    date = DateTime.UtcNow.ToString("O"),
                    machine = $"{Environment.ProcessorCount} cores, {Environment.OSVersion}",
                    libtorch = TorchRuntime.LibTorchVersion,
                    settings = s,
                    arbor = new { train_images_per_s = result.TrainImagesPerSecond.Values, sample_image_steps_per_s = result.SampleImageStepsPerSecond.Values, rollout_image_steps_per_s = result.RolloutImageStepsPerSecond.Values, parameters = result.Parameters },
                    pytorch = torch,
                    pytorch_problem = problem,
                    order = "alternating: Arbor first in even rounds, PyTorch first in odd rounds",
                };
                File.WriteAllText(path, JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
                AnsiConsole.MarkupLine($"raw samples: {Markup.Escape(path)}");
            }
            return ok ? 0 : 1;
        });
        return cmd;
    }
}
