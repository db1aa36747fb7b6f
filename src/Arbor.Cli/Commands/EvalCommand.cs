using System.CommandLine;
using System.Text.Json;
using Arbor.Evaluation;
using Arbor.Imaging;
using Arbor.Pretraining;
using Arbor.Shapes;
using Arbor.Tensors;
using Spectre.Console;

namespace Arbor.Cli.Commands;

/// <summary>`arbor eval --model DIR [--lora FILE] --split test --out DIR`: per-family accuracy on held-out prompts, as JSON.</summary>
public static class EvalCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var lora = ModelOptions.Lora();
        var split = new Option<string>("--split") { Description = "test (held-out prompts) or rl (RL training prompts)", DefaultValueFactory = _ => "test" };
        var perFamily = new Option<int>("--per-family") { Description = "Prompts per task family", DefaultValueFactory = _ => 32 };
        var steps = new Option<int>("--steps") { Description = "ODE steps", DefaultValueFactory = _ => 40 };
        var cfg = new Option<double>("--cfg") { Description = "Guidance weight (3.0: the shipped base's measured best; ALGORITHMS.md uses 4.5)", DefaultValueFactory = _ => 3.0 };
        var seed = new Option<ulong>("--seed") { Description = "Seed of the evaluation noise", DefaultValueFactory = _ => 1234 };
        var splitSeed = new Option<ulong>("--split-seed") { Description = "Seed of the Shapes split (the model's pretraining split)", DefaultValueFactory = _ => 0 };
        var output = new Option<string>("--out") { Description = "Output directory", DefaultValueFactory = _ => "eval" };
        var cmd = new Command("eval", "Per-family accuracy of a model on the Shapes prompts, verified from pixels.") { model, lora, split, perFamily, steps, cfg, seed, splitSeed, output };
        cmd.SetAction(r => Run(ModelOptions.Resolve(r.GetValue(model)), r.GetValue(lora), r.GetValue(split)!, r.GetValue(perFamily),
            new EvalConfig { Steps = r.GetValue(steps), Guidance = r.GetValue(cfg), Seed = r.GetValue(seed), PromptsPerFamily = r.GetValue(perFamily) },
            r.GetValue(splitSeed), r.GetValue(output)!));
        return cmd;
    }

    private static int Run(string modelDir, string? lora, string split, int perFamily, EvalConfig config, ulong splitSeed, string outDir)
    {
        if (split is not ("test" or "rl")) throw new ArgumentException($"unknown split '{split}': expected test or rl");
        ThreadDefaults.Apply();
        using var pipeline = ModelOptions.Load(modelDir, lora);
        var splits = new ShapesSplits(new ShapesSplitConfig { Seed = splitSeed, TestPromptsPerFamily = Math.Max(perFamily, 32), RlPromptsPerFamily = Math.Max(perFamily, 64) });
        var evaluator = new ShapesHeldOutEvaluator(splits) { UseRlPrompts = split == "rl" };
        var samples = evaluator.Run(pipeline, config);
        var (board, failures) = ShapesHeldOutEvaluator.Tally(samples);
        Directory.CreateDirectory(outDir);
        PngEncoder.Write(Path.Combine(outDir, "grid.png"), ShapesHeldOutEvaluator.Grid(samples, perFamily));
        var json = new
        {
            model = modelDir, lora, split, prompts_per_family = perFamily, steps = config.Steps, cfg = config.Guidance, seed = config.Seed,
            strict = board.StrictByFamily, partial = board.PartialByFamily, overall_strict = board.OverallStrict, overall_partial = board.OverallPartial,
            failures = failures.ByFamily(),
            samples = samples.Select(s => new { s.Prompt, family = s.Family.Name(), s.Result.Pass, s.Result.Score, failed = FailureReasons.Of(s.Result) }),
        };
        File.WriteAllText(Path.Combine(outDir, "accuracy.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        AnsiConsole.WriteLine(board.ToString());
        AnsiConsole.Write(FailureTable(failures));
        AnsiConsole.MarkupLine($"accuracy.json and grid.png in {Markup.Escape(outDir)}");
        return 0;
    }

    /// <summary>
    /// Failed prompts per family and, of those, how many failed for each reason: missing = fewer objects of a
    /// named shape than asked, extra = more, other = an object of a shape the prompt does not name.
    /// </summary>
    private static Table FailureTable(FailureTally failures)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("why prompts failed (one can fail for several reasons)");
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
