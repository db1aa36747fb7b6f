using System.CommandLine;
using Arbor.Sampling;
using System.Text.Json;
using Arbor.Evaluation;
using Arbor.Runs;
using Arbor.Runs.Metrics;
using Arbor.Shapes;
using Arbor.Tensors;
using Spectre.Console;

namespace Arbor.Cli.Commands;

/// <summary>
/// `arbor eval --model DIR [--lora FILE] [--against DIR|FILE] --out DIR`: per-family accuracy on both held-out sets,
/// and with --against the paired comparison of the two (same prompts and seeds), as JSON and tables.
/// </summary>
public static class EvalCommand
{
    /// <summary>What `arbor eval` writes into --out: evaluation grids and, at the end, accuracy.json.</summary>
    public static readonly OutputKind Output = OutputKind.Directory("an `arbor eval` output", ["accuracy.json"]);

    public static Command Create()
    {
        var model = ModelOptions.Model();
        var lora = ModelOptions.Lora();
        var against = new Option<string?>("--against")
        {
            Description = "Compare with this: a model directory, or a LoRA file applied to --model (a LoRA against its base: --lora X " +
                "--against the model directory)"
        };
        var sets = new Option<string[]>("--sets")
        {
            Description = "Held-out sets: in_distribution (RL-like prompts never trained on) and/or compositional (the test split)",
            AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => [.. HeldOutSets.All.Select(s => s.Name())]
        };
        var perFamily = new Option<int>("--per-family")
        {
            Description = "Prompts per task family in each set",
            DefaultValueFactory = _ => new EvalConfig().PromptsPerFamily
        };
        var steps = SamplingOptions.Steps();
        var cfg = SamplingOptions.Guidance("Guidance weight");
        var seed = new Option<ulong>("--seed")
        {
            Description = "Seed of the evaluation noise (one seed per prompt derives from it)",
            DefaultValueFactory = _ => 1234
        };
        var batch = new Option<int>("--batch")
        {
            Description = "Prompts per model forward batch (the noise does not depend on it; the float sums do)",
            DefaultValueFactory = _ => new EvalConfig().BatchSize
        };
        var splitSeed = new Option<ulong>("--split-seed")
        {
            Description = "Seed of the Shapes split (the model's pretraining split)",
            DefaultValueFactory = _ => 0
        };
        var output = new Option<string>("--out") { Description = "Output directory", DefaultValueFactory = _ => "eval" };
        var sampler = new Option<string>("--sampler")
        {
            Description = "ODE sampler: euler (one model evaluation per step) or heun (two)",
            DefaultValueFactory = _ => "euler"
        };
        var shift = new Option<double>("--shift")
        {
            Description = "SD3/FLUX time shift of the step grid (1: uniform; above 1 spends more steps at high noise)",
            DefaultValueFactory = _ => new EvalConfig().TimeShift
        };
        var guidanceUntil = new Option<double>("--guidance-until")
        {
            Description = "Guidance only at times above this; the conditional velocity alone at or below it (0: every step)",
            DefaultValueFactory = _ => 0.0
        };
        var unconditional = new Option<string>("--unconditional")
        {
            Description = "With --lora: which model predicts CFG's unconditional branch, adapted (default) or base (adapters off)",
            DefaultValueFactory = _ => "adapted"
        };
        var loraScale = new Option<double>("--lora-scale")
        {
            Description = "Multiply --lora's update by this (0: the base, 1: as trained, above 1: extrapolated along what " +
                "training moved); --against is evaluated as saved",
            DefaultValueFactory = _ => 1.0
        };
        var precision = ModelOptions.Precision();
        var cmd = new Command("eval", "Per-family accuracy of a model on both held-out sets, verified from pixels; --against: the paired " +
            "comparison with another model or LoRA.")
            {
                model, lora, loraScale, against, sets, perFamily, steps, cfg, sampler, shift, guidanceUntil, unconditional, seed, batch,
                splitSeed, precision, output
            };
        cmd.SetAction(r => Run(ModelOptions.Resolve(r.GetValue(model)), r.GetValue(lora), r.GetValue(loraScale), r.GetValue(against),
            new EvalConfig
            {
                Steps = r.GetValue(steps), Guidance = r.GetValue(cfg), Sampler = OdeSamplers.Parse(r.GetValue(sampler)!),
                TimeShift = r.GetValue(shift), GuidanceUntil = r.GetValue(guidanceUntil),
                Unconditional = ParseUnconditional(r.GetValue(unconditional)!),
                Seed = r.GetValue(seed), PromptsPerFamily = r.GetValue(perFamily),
                BatchSize = r.GetValue(batch), Precision = r.GetValue(precision),
                Sets = [.. r.GetValue(sets)!.Select(HeldOutSets.Parse)],
            },
            r.GetValue(splitSeed), r.GetValue(output)!));
        return cmd;
    }

    private static UnconditionalBranch ParseUnconditional(string text) => text switch
    {
        "adapted" => UnconditionalBranch.Adapted,
        "base" => UnconditionalBranch.Base,
        _ => throw new ArgumentException($"--unconditional must be adapted or base (got '{text}')"),
    };

    private static int Run(string modelDir, string? lora, double loraScale, string? against, EvalConfig config, ulong splitSeed,
        string outDir)
    {
        if (config.Problems().FirstOrDefault() is { } problem) throw new ArgumentException(problem);
        if (!double.IsFinite(loraScale)) throw new ArgumentException($"--lora-scale must be finite (got {loraScale})");
        if (loraScale != 1.0 && lora is null) throw new ArgumentException("--lora-scale needs --lora: it scales that adapter's update");
        if (against is not null && !Directory.Exists(against) && !File.Exists(against))
            throw new FileNotFoundException($"--against '{against}' is neither a model directory nor a LoRA file", against);
        // before minutes of evaluation: a user's directory is refused at once, and none of its files is overwritten
        OutputGuard.CheckCanWrite(outDir, Output);
        ThreadDefaults.Apply();
        var evaluator = new ShapesHeldOutEvaluator(new ShapesSplits(new ShapesSplitConfig { Seed = splitSeed }));
        string name = lora is null ? modelDir : loraScale == 1.0 ? $"{modelDir} + {lora}" : $"{modelDir} + {loraScale} x {lora}";
        // the first line at once: the evaluation itself prints nothing for minutes
        AnsiConsole.MarkupLine(Markup.Escape($"evaluating {name} on {string.Join(" and ", config.Sets.Select(s => s.Name()))}: " +
            $"{config.PromptsPerFamily} prompts per family each, {config.Steps} {config.Sampler.ToString().ToLowerInvariant()} steps " +
            $"(shift {config.TimeShift}{(config.GuidanceUntil > 0 ? $", guidance above t = {config.GuidanceUntil}" : "")}), " +
            $"{ComputePrecision.Name(ComputePrecision.Resolve(config.Precision))}"));
        var (report, samples) =
            Evaluate(evaluator, modelDir, lora, loraScale, config, Path.Combine(outDir, against is null ? "" : "model"));
        HeldOutText.PrintEvaluation(report, name);
        AnsiConsole.Write(FailureTable(samples.Values.SelectMany(s => s)));

        object? comparison = null;
        if (against is not null)
        {
            // a directory is another model; a file is a LoRA on --model
            var (otherDir, otherLora) = Directory.Exists(against) ? (against, (string?)null) : (modelDir, against);
            string otherName = otherLora is null ? otherDir : $"{otherDir} + {otherLora}";
            var (reference, _) = Evaluate(evaluator, otherDir, otherLora, 1.0, config, Path.Combine(outDir, "against"));
            HeldOutText.PrintEvaluation(reference, otherName);
            var paired = HeldOutText.PrintPaired(reference, report, $"{name} against {otherName}");
            comparison = new { against = otherName, reference = EvalSetRecord.ByName(reference), paired = paired.Select(ComparisonJson) };
        }

        var json = new
        {
            model = modelDir, lora, lora_scale = loraScale, prompts_per_family = config.PromptsPerFamily, steps = config.Steps,
            sampler = config.Sampler.ToString().ToLowerInvariant(),
            shift = config.TimeShift, cfg = config.Guidance, guidance_until = config.GuidanceUntil,
            unconditional = config.Unconditional.ToString().ToLowerInvariant(),
            seed = config.Seed, precision = ComputePrecision.Name(ComputePrecision.Resolve(config.Precision)),
            sets = EvalSetRecord.ByName(report),
            samples = samples.ToDictionary(kv => kv.Key.Name(), kv => kv.Value.Select(s =>
                new { s.Prompt, family = s.Family.Name(), s.Result.Pass, s.Result.Score, failed = FailureReasons.Of(s.Result) })),
            comparison,
        };
        Directory.CreateDirectory(outDir);
        File.WriteAllText(Path.Combine(outDir, "accuracy.json"),
            JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        AnsiConsole.MarkupLine($"accuracy.json and grids in {Markup.Escape(outDir)}");
        return 0;
    }

    private static (EvaluationReport Report, IReadOnlyDictionary<HeldOutSet, List<EvaluatedSample>> Samples) Evaluate(
        ShapesHeldOutEvaluator evaluator, string modelDir, string? lora, double loraScale, EvalConfig config, string gridDir)
    {
        using var pipeline = ModelOptions.Load(modelDir, lora);
        if (lora is not null && loraScale != 1.0) Arbor.Tensors.NN.LoraInjection.ScaleAdapters(pipeline.Model, loraScale);
        return evaluator.EvaluateWithSamples(pipeline, config, 0, gridDir);
    }

    /// <summary>A set's paired comparison as accuracy.json stores it (fractions, not points).</summary>
    public static object ComparisonJson(SetComparison c) => new
    {
        set = c.Name, n = c.N,
        overall = c.Overall,
        by_family = c.ByFamily,
        partial = c.Partial,
    };

    /// <summary>
    /// Failed prompts per family and, of those, how many failed for each reason: missing = fewer objects of a
    /// named shape than asked, extra = more, other = an object of a shape the prompt does not name.
    /// </summary>
    private static Table FailureTable(IEnumerable<EvaluatedSample> samples)
    {
        var (_, failures) = ShapesHeldOutEvaluator.Tally(samples);
        var table = new Table().Border(TableBorder.Rounded).Title("why prompts failed, both sets (one can fail for several reasons)");
        table.AddColumn("family").AddColumn("failed");
        foreach (var reason in FailureReasons.All) table.AddColumn(ShortName(reason));
        foreach (var f in failures.Families)
        {
            var cells = new List<string> { f.Name(), $"{failures.Failed(f)}/{failures.Results(f)}" };
            cells.AddRange(FailureReasons.All.Select(r => failures.Count(f, r) is var n and > 0 ? n.ToString() : "·"));
            table.AddRow([.. cells.Select(Markup.Escape)]);
        }

        return table;
    }

    // Short enough for the table to fit 80 columns; accuracy.json keeps the full names.
    private static string ShortName(string reason) => reason switch
    {
        FailureReasons.MissingObject => "missing",
        FailureReasons.ExtraOfShape => "extra",
        FailureReasons.Unrequested => "other",
        _ => reason,
    };
}
