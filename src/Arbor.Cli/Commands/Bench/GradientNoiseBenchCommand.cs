using System.CommandLine;
using Arbor.Configuration;
using Arbor.Runs;
using Arbor.Tensors;
using Arbor.Training;
using Spectre.Console;

namespace Arbor.Cli.Commands.Bench;

/// <summary>`arbor bench gradient-noise`: where a forward-process method's gradient noise comes from, and how much signal one
/// iteration carries against its null control (<see cref="GradientNoiseProbe"/>).</summary>
internal static class GradientNoiseBenchCommand
{
    // What --out FILE holds, by which a rerun knows it may replace the file (anything else is refused)
    private static readonly OutputKind Output = OutputKind.JsonFile("an `arbor bench gradient-noise` output", ["views", "design"]);

    public static Command Create()
    {
        var config = new Option<string>("--config")
        {
            Description = "Training config of a forward-process method (e.g. configs/nft.yaml)", Required = true
        };
        var model = ModelOptions.Model();
        var lora = new Option<string?>("--lora")
        {
            Description = "Measure at a trained adapter (a run's final/lora.safetensors) instead of the base"
        };
        var promptSets = new Option<int>("--prompt-sets")
        {
            Description = "Prompt sets (set s: the prompts a run trains on at iteration s)", DefaultValueFactory = _ => 4
        };
        var rollouts = new Option<int>("--rollouts") { Description = "Rollouts of each prompt set", DefaultValueFactory = _ => 3 };
        var renoisings = new Option<int>("--renoisings")
        {
            Description = "Draws of the loss's times and noise on each rollout's images", DefaultValueFactory = _ => 3
        };
        var precision = ModelOptions.Precision("--precision",
            "Rollouts and gradients in fp32, bf16 or auto (default: the config's train.precision)");
        var output = new Option<string?>("--out") { Description = "Write the results as JSON here" };
        var cmd = new Command("gradient-noise",
            "Where one iteration's gradient noise comes from (prompt sets, rollouts, the loss's re-noisings), per trained time, " +
            "and its signal-to-noise ratio against the null control (rewards shuffled within groups); the weights never change.")
            { config, model, lora, promptSets, rollouts, renoisings, precision, output };
        cmd.SetAction(r =>
        {
            if (r.GetValue(output) is { } outFile) OutputGuard.CheckCanWriteFile(outFile, Output);
            ThreadDefaults.Apply();
            var cfg = ConfigLoader.Load<GrpoTrainConfig>(r.GetValue(config)!);
            cfg = cfg with
            {
                Model = ModelOptions.ForConfig(cfg.Model, r.GetValue(model)),
                Train = cfg.Train with
                {
                    Precision = r.GetResult(precision) is null ? cfg.Train.Precision : r.GetValue(precision)
                },
            };
            var design = new GradientNoiseDesign(r.GetValue(promptSets), r.GetValue(rollouts), r.GetValue(renoisings), r.GetValue(lora));
            var result = GradientNoiseProbe.Run(cfg, design, line => AnsiConsole.MarkupLine(Markup.Escape("  " + line)));
            AnsiConsole.Write(Table(result));
            AnsiConsole.MarkupLine(Markup.Escape($"{result.Parameters} trainable parameters; {result.Seconds:F0} s. ‖E g‖² ± its " +
                "jackknife SE over prompt sets; SNR: ‖E g‖² over one iteration's variance; iterations: how many iterations' " +
                "gradients, averaged, reach SNR 1."));
            if (r.GetValue(output) is { } path)
            {
                BenchJson.Write(path, new
                {
                    config = r.GetValue(config), model = cfg.Model, lora = design.Lora, precision = cfg.Train.Precision.ToString(),
                    seed = cfg.Seed, machine = BenchJson.Machine, seconds = result.Seconds, parameters = result.Parameters,
                    design = new { prompt_sets = design.PromptSets, rollouts = design.Rollouts, renoisings = design.Renoisings },
                    views = result.Views.Select(v => new
                    {
                        time = v.Time, rewarded = Json(v.Rewarded), shuffled = Json(v.Shuffled),
                        rewarded_adam_scaled = Json(v.RewardedAdamScaled), shuffled_adam_scaled = Json(v.ShuffledAdamScaled),
                    }),
                });
                AnsiConsole.MarkupLine($"results: {Markup.Escape(path)}");
            }
            return 0;
        });
        return cmd;
    }

    private static Table Table(GradientNoiseResult result)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("samples at").AddColumn("‖E g‖²").AddColumn("prompt sets")
            .AddColumn("rollouts").AddColumn("re-noisings").AddColumn("SNR").AddColumn("iterations").AddColumn("null ‖E g‖²")
            .AddColumn("null variance").AddColumn("Adam-scaled SNR").AddColumn("null, Adam-scaled");
        foreach (var v in result.Views)
        {
            var (g, n) = (v.Rewarded, v.Shuffled);
            table.AddRow(v.Time is { } t ? $"t = {t:F2}" : "all times", $"{E(g.SignalSquared)} ± {E(g.SignalStandardError)}",
                Share(g.PromptSets, g), Share(g.Rollouts, g), Share(g.Renoisings, g), $"{g.SignalToNoise:F3}", $"{g.IterationsToSignal:F1}",
                $"{E(n.SignalSquared)} ± {E(n.SignalStandardError)}", E(n.IterationVariance),
                $"{v.RewardedAdamScaled.SignalToNoise:F3}", $"{v.ShuffledAdamScaled.SignalToNoise:F3}");
        }
        return table;
    }

    private static string E(double x) => x.ToString("0.00e+0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A component with its share of the iteration's variance.</summary>
    private static string Share(double part, GradientNoiseComponents c) =>
        $"{E(part)} ({(c.IterationVariance > 0 ? part / c.IterationVariance : 0):P0})";

    private static object Json(GradientNoiseComponents c) => new
    {
        signal_squared = c.SignalSquared,
        signal_standard_error = double.IsFinite(c.SignalStandardError) ? c.SignalStandardError : (double?)null,
        prompt_sets = c.PromptSets, rollouts = c.Rollouts, renoisings = c.Renoisings,
        iteration_variance = c.IterationVariance, signal_to_noise = c.SignalToNoise,
        iterations_to_signal = double.IsFinite(c.IterationsToSignal) ? c.IterationsToSignal : (double?)null,
    };
}
