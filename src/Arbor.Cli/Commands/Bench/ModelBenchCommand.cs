using System.CommandLine;
using Arbor.Cli.Bench;
using Arbor.Runs;
using Arbor.Tensors;
using Spectre.Console;

namespace Arbor.Cli.Commands.Bench;

/// <summary>`arbor bench model`: the flow DiT's pretraining and sampling throughput against the same model in PyTorch.</summary>
internal static class ModelBenchCommand
{
    // What --out FILE holds, by which a rerun knows it may replace the file (anything else is refused)
    private static readonly OutputKind Output =
        OutputKind.JsonFile("an `arbor bench model` output", ["settings", "arbor.train_images_per_s"]);

    public static Command Create()
    {
        var reference = new PyTorchReferenceOptions("Rounds, each running Arbor and PyTorch in alternating order (Arbor first in even " +
            "rounds), so machine noise and drift hit both alike");
        var quick = new Option<bool>("--quick")
        {
            Description = "Tiny model and batches (dim 32, depth 1, batch 4): a smoke test, not a measurement"
        };
        var batch = new Option<int?>("--batch") { Description = "Images per pretraining step (default 64)" };
        var sampleBatch = new Option<int?>("--sample-batch")
        {
            Description = "Images per guided sampling call (default 32; each step runs 2x that for CFG)"
        };
        var sampleSteps = new Option<int?>("--sample-steps") { Description = "Euler steps per sampling call (default 10)" };
        var cmd = new Command("model",
            "Flow DiT pretraining (images/s) and guided sampling (image-steps/s): Arbor vs the same model in PyTorch.");
        reference.AddTo(cmd);
        cmd.Options.Add(quick);
        cmd.Options.Add(batch);
        cmd.Options.Add(sampleBatch);
        cmd.Options.Add(sampleSteps);
        cmd.SetAction(r =>
        {
            reference.CheckCanWriteOut(r, Output);
            var s = r.GetValue(quick)
                ? ModelBenchSettings.Quick(r.GetValue(reference.Threads))
                : new ModelBenchSettings { Threads = r.GetValue(reference.Threads) };
            s = s with
            {
                Reps = Math.Max(1, r.GetValue(reference.Reps)),
                Batch = r.GetValue(batch) ?? s.Batch,
                SampleBatch = r.GetValue(sampleBatch) ?? s.SampleBatch,
                SampleSteps = r.GetValue(sampleSteps) ?? s.SampleSteps,
            };
            int nRounds = reference.RoundCount(r);
            var m = s.Model;
            PyTorchRounds.PrintHeader("[bold]arbor bench model[/]" + (r.GetValue(quick) ? " [yellow](--quick: smoke test)[/]" : ""),
                s.Threads, nRounds, s.Reps);
            AnsiConsole.MarkupLine($"model: {m.ImageSize}x{m.ImageSize}, patch {m.PatchSize}, dim {m.Dim}, depth {m.Depth}, heads " +
                $"{m.Heads}; text dim {m.Text.Dim}, depth {m.Text.Depth}, {m.Text.MaxTokens} tokens, vocabulary {m.Text.VocabSize}");
            long arborParams = ModelBenchmark.ParameterCount(s);

            var py = r.GetValue(reference.Python)!;
            PyTorchRounds<ModelBenchResult> rounds;
            var checkFile = Path.Combine(Path.GetTempPath(), $"arbor-model-bench-{Environment.ProcessId}.safetensors");
            try
            {
                if (!PyTorchRounds.Skipped(py)) ModelBenchmark.WriteCheck(s, checkFile);
                rounds = PyTorchRounds.Run(nRounds, py, alternate: true, () => ModelBenchmark.RunArbor(s),
                    round => ModelBenchmark.RunPyTorch(s, py, arborParams, round == 0 ? checkFile : null));
            }
            finally
            {
                File.Delete(checkFile);
            }
            var (arborRounds, torchRounds, problem) = rounds;

            // Pooled over rounds; the PyTorch pool keeps the first round's same-model check.
            var result = arborRounds.Aggregate((a, b) => a.Concat(b));
            var torch = torchRounds.Count > 0 ? torchRounds.Aggregate(ModelBenchmark.Concat) : null;
            var trainLabel = $"pretraining step (images/s, batch {s.Batch})";
            var sampleLabel = $"guided Euler sampling (image-steps/s, B {s.SampleBatch}, {s.SampleSteps} steps, CFG 2x{s.SampleBatch})";
            var rolloutLabel =
                $"Flow-GRPO rollout, SDE + log-prob (image-steps/s, B {s.SampleBatch}, T = {s.SampleSteps}) vs PyTorch's sampling forwards";
            var table = new PyTorchComparisonTable("Arbor / PyTorch", problem);
            Sample? Torch(string key) => torch is null ? null : ModelBenchmark.SampleOf(torch, key);
            var tSample = Torch("sample_image_steps_per_s");
            table.Add(trainLabel, result.TrainImagesPerSecond, Torch("train_images_per_s"), "img/s", "F1",
                PyTorchComparisonTable.ArborOverPyTorch);
            table.Add(sampleLabel, result.SampleImageStepsPerSecond, tSample, "img-steps/s", "F1", PyTorchComparisonTable.ArborOverPyTorch);
            table.Add(rolloutLabel, result.RolloutImageStepsPerSecond, tSample, "img-steps/s", "F1",
                PyTorchComparisonTable.ArborOverPyTorch);
            AnsiConsole.Write(table.Table);

            bool ok = true;

            if (torch is not null)
            {
                long torchParams = torch["params"]!.GetValue<long>();
                ok &= torchParams == result.Parameters;
                AnsiConsole.MarkupLine($"parameters: Arbor {result.Parameters:N0}, PyTorch {torchParams:N0} " +
                    (torchParams == result.Parameters ? "[green](match)[/]" : "[red](MISMATCH)[/]"));
                if (torch["check"] is System.Text.Json.Nodes.JsonObject check)
                {
                    double dv = check["velocity_max_abs_diff"]!.GetValue<double>(), vmax = check["velocity_max_abs"]!.GetValue<double>();
                    double dp = check["positions_max_abs_diff"]!.GetValue<double>(),
                        dpool = check["pooled_max_abs_diff"]!.GetValue<double>();
                    bool same = dv <= 1e-5 * Math.Max(1, vmax) && dp <= 1e-6 && dpool <= 1e-5;   // same libtorch: usually exactly 0
                    ok &= same;
                    AnsiConsole.MarkupLine($"same model: Arbor's random weights loaded strictly by name into the PyTorch model; max |Δv| " +
                        $"{dv:G3} (|v| ≤ {vmax:G3}), |Δpooled| {dpool:G3}, |Δpositions| {dp:G3} " +
                        (same ? "[green](match)[/]" : "[red](MISMATCH)[/]"));
                }
                if (torchRounds.Count == arborRounds.Count)
                {
                    // Paired ratios: each round's two sides ran minutes apart, so their ratio cancels most of
                    // the machine's drift between rounds; the median over rounds is the number to quote.
                    var trainRatios = ModelBenchmark.RoundRatios(arborRounds.Select(a => a.TrainImagesPerSecond),
                        torchRounds.Select(t => ModelBenchmark.SampleOf(t, "train_images_per_s")));
                    var sampleRatios = ModelBenchmark.RoundRatios(arborRounds.Select(a => a.SampleImageStepsPerSecond),
                        torchRounds.Select(t => ModelBenchmark.SampleOf(t, "sample_image_steps_per_s")));
                    AnsiConsole.MarkupLine(Markup.Escape($"per-round ratios (Arbor / PyTorch, round medians): pretraining " +
                        $"{Ratios(trainRatios)}; sampling {Ratios(sampleRatios)}"));
                    static string Ratios(Sample r) => $"median {r.Median:F2}x (min {r.Min:F2}x, max {r.Max:F2}x) over " +
                        $"[{string.Join(", ", r.Values.Select(v => v.ToString("F2")))}]";
                }
                AnsiConsole.MarkupLine($"PyTorch {Markup.Escape(torch["torch"]?.GetValue<string>() ?? "?")}, {torch["threads"]} threads, " +
                    $"AdamW foreach {torch["adamw_foreach"]}, fused attention {torch["fused_attention"]}");
            }
            else
            {
                AnsiConsole.MarkupLine($"parameters: Arbor {result.Parameters:N0}");
            }

            if (r.GetValue(reference.Out) is { } path)
            {
                BenchJson.WriteRawSamples(path, new
                {
                    date = DateTime.UtcNow.ToString("O"),
                    machine = BenchJson.Machine,
                    libtorch = TorchRuntime.LibTorchVersion,
                    settings = s,
                    arbor = new
                    {
                        train_images_per_s = result.TrainImagesPerSecond.Values,
                        sample_image_steps_per_s = result.SampleImageStepsPerSecond.Values,
                        rollout_image_steps_per_s = result.RolloutImageStepsPerSecond.Values,
                        parameters = result.Parameters
                    },
                    pytorch = torch,
                    pytorch_problem = problem,
                    order = "alternating: Arbor first in even rounds, PyTorch first in odd rounds",
                });
            }
            return ok ? 0 : 1;
        });
        return cmd;
    }
}
