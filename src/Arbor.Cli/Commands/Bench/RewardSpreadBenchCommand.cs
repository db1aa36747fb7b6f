using System.CommandLine;
using Arbor.Runs;
using Arbor.Tensors;
using Spectre.Console;

namespace Arbor.Cli.Commands.Bench;

/// <summary>`arbor bench reward-spread`: how much of a group's reward spread
/// the SDE steps make, against what the initial noise makes.</summary>
internal static class RewardSpreadBenchCommand
{
    // What --out FILE holds, by which a rerun knows it may replace the file (anything else is refused)
    private static readonly OutputKind Output = OutputKind.JsonFile("an `arbor bench reward-spread` output", ["windows", "noise_level"]);

    public static Command Create()
    {
        var model = ModelOptions.Model();
        var perFamily = new Option<int>("--prompts-per-family")
        {
            Description = "RL training prompts per family",
            DefaultValueFactory = _ => 4
        };
        var noises = new Option<int>("--noises") { Description = "Initial noises per prompt", DefaultValueFactory = _ => 4 };
        var continuations = new Option<int>("--continuations")
        {
            Description = "SDE continuations per initial noise",
            DefaultValueFactory = _ => 4
        };
        var steps = new Option<int>("--steps") { Description = "Rollout steps T", DefaultValueFactory = _ => 10 };
        var noiseLevel = new Option<double>("--noise-level")
        {
            Description = "Flow-GRPO SDE noise level a",
            DefaultValueFactory = _ => 0.7
        };
        var cfg = new Option<double>("--cfg")
        {
            Description = "Guidance weight (the shipped configs' 3.0)",
            DefaultValueFactory = _ => 3.0
        };
        var windows = new Option<string[]>("--windows")
        {
            Description = "SDE windows FROM-TO (steps FROM..TO-1; ODE elsewhere)", AllowMultipleArgumentsPerToken = true,
            DefaultValueFactory = _ => ["0-10", "0-4", "4-10"]
        };
        var seed = new Option<ulong>("--seed") { DefaultValueFactory = _ => 0 };
        var output = new Option<string?>("--out") { Description = "Write the results as JSON here" };
        var cmd = new Command("reward-spread",
            "Where a group's reward spread comes from: the initial noise (not an action) or the SDE steps of a window.")
            { model, perFamily, noises, continuations, steps, noiseLevel, cfg, windows, seed, output };
        cmd.SetAction(r =>
        {
            if (r.GetValue(output) is { } outFile) OutputGuard.CheckCanWriteFile(outFile, Output);
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
            var prompts = Arbor.Shapes.TaskFamilies.All.SelectMany(f =>
                splits.RlPrompts(f).Take(r.GetValue(perFamily)).Select(s => s.ToText())).ToList();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var results = Arbor.Advantages.RewardSpreadProbe.Run(pipeline, Arbor.Rewards.BuiltInRewards.Create("shapes"), prompts, parsed,
                r.GetValue(noises), r.GetValue(continuations), r.GetValue(steps),
                    new Arbor.Sampling.Steps.FlowGrpoSdeStep(r.GetValue(noiseLevel)),
                r.GetValue(cfg), r.GetValue(seed));
            var table = new Table().Border(TableBorder.Rounded).AddColumn("SDE steps").AddColumn("reward").AddColumn("var between x_T")
                .AddColumn("var within x_T").AddColumn("share made by the SDE steps").AddColumn("same-x_T groups with spread");
            foreach (var w in results)
            {
                table.AddRow($"{w.From}..{w.To - 1}", w.Reward, $"{w.BetweenNoise:F4}", $"{w.WithinNoise:F4}", $"{w.WithinShare:P0}",
                    $"{w.SpreadGroupShare:P0}");
            }
            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"[grey]{clock.Elapsed.TotalSeconds:F0} s[/]");
            if (r.GetValue(output) is { } path)
            {
                BenchJson.Write(path, new
                {
                    model = modelDir, prompts_per_family = r.GetValue(perFamily), noises = r.GetValue(noises),
                    continuations = r.GetValue(continuations),
                    steps = r.GetValue(steps), noise_level = r.GetValue(noiseLevel), cfg = r.GetValue(cfg), seed = r.GetValue(seed),
                    windows = results.Select(w => new
                    {
                        from = w.From, to = w.To, reward = w.Reward, between_noise = w.BetweenNoise, within_noise = w.WithinNoise,
                        within_share = w.WithinShare, spread_group_share = w.SpreadGroupShare
                    }),
                });
            }
            return 0;
        });
        return cmd;
    }
}
