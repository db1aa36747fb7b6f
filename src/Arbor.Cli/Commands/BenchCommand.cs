using System.CommandLine;
using System.Text.Json;
using Arbor.Cli.Bench;
using Arbor.Cli.Output;
using Arbor.Evaluation;
using Arbor.Runs;
using Arbor.Tensors;
using Spectre.Console;

namespace Arbor.Cli.Commands;

/// <summary>`arbor bench ...`: the performance measurements reported in docs/BENCHMARKS.md.</summary>
public static class BenchCommand
{
    // What each benchmark's --out FILE holds, by which a rerun knows it may replace the file (anything else is refused)
    private static readonly OutputKind BindingOutput = OutputKind.JsonFile("an `arbor bench binding` output", ["settings", "arbor.tiny_add_us"]);
    private static readonly OutputKind ModelOutput = OutputKind.JsonFile("an `arbor bench model` output", ["settings", "arbor.train_images_per_s"]);
    private static readonly OutputKind RewardSpreadOutput = OutputKind.JsonFile("an `arbor bench reward-spread` output", ["windows", "noise_level"]);

    public static Command Create()
    {
        var bench = new Command("bench", "Benchmarks (results go to docs/BENCHMARKS.md).");
        bench.Subcommands.Add(Binding());
        bench.Subcommands.Add(Threads());
        bench.Subcommands.Add(FlowLoss());
        bench.Subcommands.Add(StrategiesCommand());
        bench.Subcommands.Add(Model());
        bench.Subcommands.Add(RewardSpread());
        bench.Subcommands.Add(PrecisionCommand());
        bench.Subcommands.Add(Compare());
        bench.Subcommands.Add(CheckpointCommand());
        return bench;
    }

    private static Command Compare()
    {
        var a = new Argument<string>("a") { Description = "Run A: a run directory, a `bench strategies` output holding one run, or a metrics.jsonl(.gz)" };
        var b = new Argument<string>("b") { Description = "Run B, the same kinds" };
        var atA = new Option<long?>("--iteration-a") { Description = "A's evaluation at this iteration (default: its last)" };
        var atB = new Option<long?>("--iteration-b") { Description = "B's evaluation at this iteration (default: its last)" };
        var cmd = new Command("compare", "Two runs' held-out evaluations paired prompt by prompt: B − A per set and family, 95 % interval, exact McNemar p.")
            { a, b, atA, atB };
        cmd.SetAction(r =>
        {
            var (_, text) = RunComparison.Between(RunComparison.Read(r.GetValue(a)!, r.GetValue(atA)), RunComparison.Read(r.GetValue(b)!, r.GetValue(atB)));
            Console.Write(text);
            return 0;
        });
        return cmd;
    }

    private static Command PrecisionCommand()
    {
        var model = ModelOptions.Model();
        var images = new Option<int>("--images") { Description = "Nodes per forward (configs/nft.yaml's rollout: 12 prompts x 8 = 96; CFG doubles the rows)", DefaultValueFactory = _ => 96 };
        var guidance = new Option<double>("--guidance") { Description = "CFG weight (1 = one unguided batch)", DefaultValueFactory = _ => 3.0 };
        var rounds = new Option<int>("--rounds") { Description = "Rounds, each timing fp32 and bf16 in alternating order", DefaultValueFactory = _ => 5 };
        var reps = new Option<int>("--reps") { Description = "Timed repetitions per precision and round", DefaultValueFactory = _ => 1 };
        var cmd = new Command("precision", "bf16 vs fp32 on this CPU: bare products, the DiT's products with casts, its rollout forward, and the velocity's bf16 error.")
            { model, images, guidance, rounds, reps };
        cmd.SetAction(r =>
        {
            ThreadDefaults.Apply();
            var modelDir = ModelOptions.Resolve(r.GetValue(model));
            using var pipeline = ModelOptions.Load(modelDir, null);
            int nRounds = Math.Max(1, r.GetValue(rounds)), nReps = Math.Max(1, r.GetValue(reps));
            AnsiConsole.MarkupLine($"[bold]arbor bench precision[/]: {Markup.Escape(modelDir)}, threads {TorchRuntime.IntraOpThreads}, {nRounds} alternating rounds x {nReps} reps, libtorch {TorchRuntime.LibTorchVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");
            AnsiConsole.MarkupLine(Markup.Escape($"CPU: {PrecisionBenchmark.CpuFeatures()}"));
            var result = PrecisionBenchmark.Run(pipeline, r.GetValue(images), r.GetValue(guidance), nRounds, nReps);
            var table = new Table().Border(TableBorder.Rounded).AddColumn("measurement").AddColumn("fp32: median (min–max)").AddColumn("bf16").AddColumn("fp32 / bf16");
            foreach (var row in result.Rows)
                table.AddRow(Markup.Escape(row.Name), row.Fp32.Map(x => x * 1e3).Format("ms", "F1"), row.Bf16.Map(x => x * 1e3).Format("ms", "F1"), $"{row.Speedup:F2}x");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine(Markup.Escape($"velocity, bf16 vs fp32 on the same inputs: max |Δv| {result.VelocityMaxAbsDiff:G3} (max |v| {result.VelocityMaxAbs:G3}), RMS Δv {result.VelocityRmsDiff:G3} (RMS v {result.VelocityRms:G3})"));
            return 0;
        });
        return cmd;
    }

    private static Command Binding()
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
            if (r.GetValue(output) is { } outFile) OutputGuard.CheckCanWriteFile(outFile, BindingOutput);
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

    private static Command Model()
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
            if (r.GetValue(output) is { } outFile) OutputGuard.CheckCanWriteFile(outFile, ModelOutput);
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

    private static Command Threads()
    {
        var reps = new Option<int>("--reps") { Description = "Timed repetitions per setting", DefaultValueFactory = _ => 5 };
        var cmd = new Command("threads", "Transformer step and conv time under each (intra-op, BLAS) thread split.") { reps };
        cmd.SetAction(r =>
        {
            int cores = Environment.ProcessorCount;
            var table = new Table().Border(TableBorder.Rounded).AddColumn("intra-op").AddColumn("BLAS").AddColumn("transformer step (s)").AddColumn("conv 3x3 fwd+bwd (s)");
            var settings = new List<(int, int)>();
            foreach (var i in new[] { 1, cores }.Distinct())
                foreach (var b in new[] { 1, cores }.Distinct())
                    settings.Add((i, b));
            foreach (var (intra, blas) in settings)
            {
                var (step, conv) = ThreadStudy.Run(intra, blas, r.GetValue(reps));
                table.AddRow($"{intra}", $"{blas}", step.Format("s"), conv.Format("s"));
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return cmd;
    }

    private static Command FlowLoss()
    {
        var model = ModelOptions.Model();
        var batches = new Option<int>("--batches") { Description = "Batches of 64 per t", DefaultValueFactory = _ => 4 };
        var cmd = new Command("flow-loss", "Flow-matching loss and implied x̂0 error per t on fresh Shapes data (where a model is weak).") { model, batches };
        cmd.SetAction(r =>
        {
            ThreadDefaults.Apply();
            using var pipeline = ModelOptions.Load(ModelOptions.Resolve(r.GetValue(model)), null);
            var (data, _) = Arbor.Pretraining.Worlds.ForPretraining(new Arbor.Pretraining.PretrainDataConfig(), pipeline.Model.Config.ImageSize);
            var table = new Table().Border(TableBorder.Rounded).AddColumn("t").AddColumn("MSE(v)").AddColumn("RMSE(x̂0) = t·√MSE").AddColumn("in 8-bit levels");
            foreach (var (t, mse, rmse) in FlowLossProbe.Run(pipeline, data, [0.01, 0.03, 0.1, 0.2, 0.4, 0.6, 0.8, 0.95], r.GetValue(batches), 64))
                table.AddRow($"{t:F2}", $"{mse:F4}", $"{rmse:F4}", $"{rmse * 127.5:F1}");
            AnsiConsole.Write(table);
            return 0;
        });
        return cmd;
    }

    private static Command CheckpointCommand()
    {
        var model = ModelOptions.Model();
        var reps = new Option<int>("--reps") { Description = "Checkpoints written per measurement", DefaultValueFactory = _ => 20 };
        var dir = new Option<string>("--dir") { Description = "Scratch directory, on the disk whose cost is measured (deleted afterwards)", DefaultValueFactory = _ => "runs/bench-checkpoint" };
        var cmd = new Command("checkpoint", "An RL checkpoint of the shipped base (LoRA + AdamW state): its save, and the same bytes written with and without fsync.") { model, reps, dir };
        cmd.SetAction(r =>
        {
            ThreadDefaults.Apply();
            var modelDir = ModelOptions.Resolve(r.GetValue(model));
            var scratch = Path.GetFullPath(r.GetValue(dir)!);
            if (Directory.Exists(scratch)) throw new ArgumentException($"--dir '{scratch}' exists: give a directory the benchmark may create and delete");
            int n = Math.Max(1, r.GetValue(reps));
            var result = CheckpointBenchmark.Run(modelDir, scratch, n);
            AnsiConsole.MarkupLine(Markup.Escape($"arbor bench checkpoint: {modelDir} with LoRA rank {new Arbor.Training.GrpoTrainConfig().Lora.Rank}: {result.Files} files, " +
                $"{result.Bytes / 1e6:F2} MB, {n} writes each, in {scratch} ({DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC)"));
            var table = new Table().Border(TableBorder.Rounded).AddColumn("write").AddColumn("ms: median (min–max)");
            table.AddRow("GrpoCheckpoint.Save (serialize + fsync + rename)", result.Save.Map(x => x * 1e3).Format("ms", "F1"));
            table.AddRow("the same bytes, AtomicDirectory.Write (fsync)", result.Durable.Map(x => x * 1e3).Format("ms", "F1"));
            table.AddRow("the same bytes, no fsync (before)", result.Unsynced.Map(x => x * 1e3).Format("ms", "F1"));
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"fsync adds {(result.Durable.Median - result.Unsynced.Median) * 1e3:F1} ms per checkpoint (medians)");
            return 0;
        });
        return cmd;
    }

    private static Command RewardSpread()
    {
        var model = ModelOptions.Model();
        var perFamily = new Option<int>("--prompts-per-family") { Description = "RL training prompts per family", DefaultValueFactory = _ => 4 };
        var noises = new Option<int>("--noises") { Description = "Initial noises per prompt", DefaultValueFactory = _ => 4 };
        var continuations = new Option<int>("--continuations") { Description = "SDE continuations per initial noise", DefaultValueFactory = _ => 4 };
        var steps = new Option<int>("--steps") { Description = "Rollout steps T", DefaultValueFactory = _ => 10 };
        var noiseLevel = new Option<double>("--noise-level") { Description = "Flow-GRPO SDE noise level a", DefaultValueFactory = _ => 0.7 };
        var cfg = new Option<double>("--cfg") { Description = "Guidance weight (the shipped configs' 3.0)", DefaultValueFactory = _ => 3.0 };
        var windows = new Option<string[]>("--windows") { Description = "SDE windows FROM-TO (steps FROM..TO-1; ODE elsewhere)", AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ["0-10", "0-4", "4-10"] };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out") { Description = "Write the results as JSON here" };
        var cmd = new Command("reward-spread", "Where a group's reward spread comes from: the initial noise (not an action) or the SDE steps of a window.")
            { model, perFamily, noises, continuations, steps, noiseLevel, cfg, windows, seed, output };
        cmd.SetAction(r =>
        {
            if (r.GetValue(output) is { } outFile) OutputGuard.CheckCanWriteFile(outFile, RewardSpreadOutput);
            ThreadDefaults.Apply();
            var modelDir = ModelOptions.Resolve(r.GetValue(model));
            using var pipeline = ModelOptions.Load(modelDir, null);
            var parsed = r.GetValue(windows)!.Select(w =>
            {
                var parts = w.Split('-');
                if (parts.Length != 2 || !int.TryParse(parts[0], out int a) || !int.TryParse(parts[1], out int b))
                    throw new ArgumentException($"--windows: '{w}' is not FROM-TO");
                return (a, b);
            }).ToList();
            var splits = new Arbor.Shapes.ShapesSplits();
            var prompts = Arbor.Shapes.TaskFamilies.All.SelectMany(f => splits.RlPrompts(f).Take(r.GetValue(perFamily)).Select(s => s.ToText())).ToList();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var results = Arbor.Evaluation.RewardSpreadProbe.Run(pipeline, Arbor.Rewards.BuiltInRewards.Create("shapes"), prompts, parsed,
                r.GetValue(noises), r.GetValue(continuations), r.GetValue(steps), new Arbor.Sampling.Steps.FlowGrpoSdeStep(r.GetValue(noiseLevel)),
                r.GetValue(cfg), r.GetValue(seed));
            var table = new Table().Border(TableBorder.Rounded).AddColumn("SDE steps").AddColumn("reward").AddColumn("var between x_T")
                .AddColumn("var within x_T").AddColumn("share made by the SDE steps").AddColumn("same-x_T groups with spread");
            foreach (var w in results)
                table.AddRow($"{w.From}..{w.To - 1}", w.Reward, $"{w.BetweenNoise:F4}", $"{w.WithinNoise:F4}", $"{w.WithinShare:P0}", $"{w.SpreadGroupShare:P0}");
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"[grey]{clock.Elapsed.TotalSeconds:F0} s[/]");
            if (r.GetValue(output) is { } path)
                File.WriteAllText(path, JsonSerializer.Serialize(new
                {
                    model = modelDir, prompts_per_family = r.GetValue(perFamily), noises = r.GetValue(noises), continuations = r.GetValue(continuations),
                    steps = r.GetValue(steps), noise_level = r.GetValue(noiseLevel), cfg = r.GetValue(cfg), seed = r.GetValue(seed),
                    windows = results.Select(w => new { from = w.From, to = w.To, reward = w.Reward, between_noise = w.BetweenNoise, within_noise = w.WithinNoise,
                        within_share = w.WithinShare, spread_group_share = w.SpreadGroupShare }),
                }, new JsonSerializerOptions { WriteIndented = true }));
            return 0;
        });
        return cmd;
    }

    private static Command StrategiesCommand()
    {
        var configs = new Option<string[]>("--configs") { Description = "Training configs to compare", AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ["configs/flow-grpo.yaml", "configs/dance-grpo.yaml", "configs/mix-grpo.yaml", "configs/tree-grpo.yaml", "configs/branch-grpo.yaml", "configs/dynamic-treerpo.yaml"] };
        var iterations = new Option<int>("--iterations") { Description = "Iterations per run (the shared budget when --minutes is 0)", DefaultValueFactory = _ => 50 };
        var minutes = new Option<double>("--minutes") { Description = "Minutes of rollout + reward + training per run (evaluations excluded); 0 = use --iterations", DefaultValueFactory = _ => 0 };
        var seeds = new Option<ulong[]>("--seeds") { Description = "Seeds; every config runs once per seed", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [0] };
        var evalEvery = new Option<int>("--eval-every") { Description = "Iterations between held-out evaluations (for time-to-target); 0 = before and after only", DefaultValueFactory = _ => 0 };
        var target = new Option<double>("--target-gain") { Description = "Gain of held-out strict accuracy that counts as reaching the target (time-to-target)", DefaultValueFactory = _ => 0.10 };
        var perFamily = new Option<int>("--prompts-per-family") { Description = "Prompts per family in each held-out set at each evaluation", DefaultValueFactory = _ => new Arbor.Evaluation.EvalConfig().PromptsPerFamily };
        var evalPrecision = ModelOptions.Precision("--eval-precision",
            "Every run's held-out evaluations (base included) in fp32, bf16 or auto (default: each config's eval.precision, fp32 unless it says otherwise)");
        var model = ModelOptions.Model();
        var output = new Option<string>("--out") { Description = "Output directory (one run per config and seed, results.json)", DefaultValueFactory = _ => "runs/strategies" };
        // train's --quiet: the per-run lines go, the summary stays (the only bench that reports progress as it goes)
        var quiet = new ProgressOptions().Quiet;
        var cmd = new Command("strategies", "Every strategy from the same base at the same budget and seeds: accuracy before/after, time to a target gain, s/iteration by phase, NFE.")
            { configs, iterations, minutes, seeds, evalEvery, target, perFamily, evalPrecision, model, output, quiet };
        cmd.SetAction(r =>
        {
            bool verbose = !r.GetValue(quiet);
            var modelDir = ModelOptions.Resolve(r.GetValue(model));
            var outDir = r.GetValue(output)!;
            StrategyComparison.PrepareOutput(outDir);   // a directory that is not an earlier comparison is refused before any model work
            ThreadDefaults.Apply();
            var budget = new ComparisonBudget(r.GetValue(iterations), r.GetValue(minutes), r.GetValue(evalEvery), r.GetValue(perFamily), r.GetValue(target),
                r.GetResult(evalPrecision) is null ? null : r.GetValue(evalPrecision));
            string budgetText = budget.Minutes > 0 ? $"{budget.Minutes:G} min" : $"{budget.Iterations} iterations";
            var results = new List<StrategyResult>();
            Action<StrategyResult>? progress = verbose ? x => AnsiConsole.MarkupLine($"  {x.Iterations} iterations, {x.SecondsPerIteration:F1} s/iter: " +
                Markup.Escape(string.Join("; ", x.Sets.Select(s => $"{s.Set} {s.StrictBefore:P1} → {s.StrictAfter:P1}, {s.Change}")))) : null;
            foreach (var seed in r.GetValue(seeds)!)
                foreach (var config in r.GetValue(configs)!)
                {
                    if (verbose) AnsiConsole.MarkupLine($"[bold]{Markup.Escape(config)}[/] seed {seed}: {budgetText} from {Markup.Escape(modelDir)}");
                    results.Add(StrategyComparison.Run(config, seed, budget, outDir, modelDir, progress));
                    StrategyComparison.Save(results, Path.Combine(outDir, StrategyComparison.ResultsFile));
                }
            var summary = StrategySummary.Of(results, budget, r.GetValue(seeds)!, DateTime.UtcNow);
            var table = new Table().Border(TableBorder.Rounded);
            foreach (var h in summary.Header) table.AddColumn(Markup.Escape(h));
            foreach (var row in summary.Rows) table.AddRow(row.Select(Markup.Escape).ToArray());
            var summaryPath = summary.WriteTo(outDir);
            AnsiConsole.MarkupLine($"summary: {Markup.Escape(summaryPath)} (chart: {Markup.Escape(Path.Combine(outDir, StrategyChart.FileName))}), raw: {Markup.Escape(Path.Combine(outDir, StrategyComparison.ResultsFile))}");
            AnsiConsole.Write(table);
            return 0;
        });
        return cmd;
    }
}
