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
        var board = new FamilyScoreboard();
        foreach (var s in samples) board.Add(s.Result);
        Directory.CreateDirectory(outDir);
        PngEncoder.Write(Path.Combine(outDir, "grid.png"), ShapesHeldOutEvaluator.Grid(samples, perFamily));
        var json = new
        {
            model = modelDir, lora, split, prompts_per_family = perFamily, steps = config.Steps, cfg = config.Guidance, seed = config.Seed,
            strict = board.StrictByFamily, partial = board.PartialByFamily, overall_strict = board.OverallStrict, overall_partial = board.OverallPartial,
            samples = samples.Select(s => new { s.Prompt, family = s.Family.Name(), s.Result.Pass, s.Result.Score }),
        };
        File.WriteAllText(Path.Combine(outDir, "accuracy.json"), JsonSerializer.Serialize(json, new JsonSerializerOptions { WriteIndented = true }));
        AnsiConsole.WriteLine(board.ToString());
        AnsiConsole.MarkupLine($"accuracy.json and grid.png in {Markup.Escape(outDir)}");
        return 0;
    }
}
