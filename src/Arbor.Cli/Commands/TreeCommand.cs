using System.CommandLine;
using Arbor.Configuration;
using Arbor.Runs;
using Arbor.Tensors;
using Arbor.Training;
using Spectre.Console;

namespace Arbor.Cli.Commands;

/// <summary>`arbor tree --config FILE --prompt TEXT --out DIR`: one rollout tree as a picture (tree.svg).</summary>
public static class TreeCommand
{
    /// <summary>What `arbor tree` writes into --out: tree.svg.</summary>
    public static readonly OutputKind Output = OutputKind.Directory("an `arbor tree` output", ["tree.svg"]);

    public static Command Create()
    {
        var config = new Option<string>("--config")
        {
            Description = "Training config whose strategy to draw (e.g. configs/dynamic-treerpo.yaml)",
            Required = true
        };
        var prompt = new Option<string>("--prompt") { Description = "The prompt", Required = true };
        var model = ModelOptions.Model();
        var lora = ModelOptions.Lora();
        var seed = new Option<ulong>("--seed") { Description = "Seed of the rollout", DefaultValueFactory = _ => 0 };
        var iteration = new Option<long>("--iteration")
        {
            Description = "Iteration (places sliding windows)",
            DefaultValueFactory = _ => 0
        };
        var output = new Option<string>("--out") { Description = "Output directory", DefaultValueFactory = _ => "tree" };
        var cmd = new Command("tree", "Draw one rollout tree: x̂0 at every node, edge advantages, the best leaf.")
        {
            config, prompt, model, lora, seed, iteration, output
        };
        cmd.SetAction(r =>
        {
            var outDir = r.GetValue(output)!;
            // before the model loads and the tree is rolled out: a user's directory is refused, its tree.svg not overwritten
            OutputGuard.CheckCanWrite(outDir, Output);
            ThreadDefaults.Apply();
            var cfg = ConfigLoader.Load<GrpoTrainConfig>(r.GetValue(config)!);
            using var pipeline = ModelOptions.Load(ModelOptions.ForConfig(cfg.Model, r.GetValue(model)), r.GetValue(lora));
            var svg = TreeInspection.Render(pipeline, cfg, r.GetValue(prompt)!, r.GetValue(iteration), r.GetValue(seed));
            Directory.CreateDirectory(outDir);
            var path = Path.Combine(outDir, "tree.svg");
            File.WriteAllText(path, svg);
            AnsiConsole.MarkupLine($"tree picture: {Markup.Escape(path)}");
            return 0;
        });
        return cmd;
    }
}
