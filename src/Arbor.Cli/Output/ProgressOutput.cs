using Arbor.Evaluation;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Arbor.Pretraining;
using Arbor.Training;
using Spectre.Console;

namespace Arbor.Cli.Output;

/// <summary>How a long command reports progress, chosen once from its options and where stdout goes.</summary>
public enum ProgressMode
{
    /// <summary>A terminal: Spectre's live table or progress bar, redrawn in place.</summary>
    Live,
    /// <summary>stdout is a file, a pipe or CI: one plain line per iteration and per evaluation, as tqdm and accelerate print.</summary>
    Lines,
    /// <summary><c>--log-format json</c>: one JSON object per iteration and per evaluation, for scripts.</summary>
    Json,
    /// <summary><c>--quiet</c>: nothing per iteration; the command's final result only.</summary>
    Quiet,
}

/// <summary>The <c>--quiet</c> and <c>--log-format</c> options every long command shares, and the mode they select.</summary>
public sealed class ProgressOptions
{
    public Option<bool> Quiet { get; } = new("--quiet") { Description = "Print no per-iteration progress, only the final result" };
    public Option<string> LogFormat { get; } = new("--log-format")
    {
        Description = "text (a live display on a terminal, one line per iteration otherwise) or json (one object per line)",
        DefaultValueFactory = _ => "text",
    };

    public ProgressOptions() => LogFormat.AcceptOnlyFromAmong("text", "json");

    public void AddTo(Command command)
    {
        command.Options.Add(Quiet);
        command.Options.Add(LogFormat);
    }

    public ProgressMode Mode(ParseResult r) =>
        r.GetValue(Quiet) ? ProgressMode.Quiet
        : r.GetValue(LogFormat) == "json" ? ProgressMode.Json
        : Console.IsOutputRedirected || !AnsiConsole.Profile.Capabilities.Interactive ? ProgressMode.Lines
        : ProgressMode.Live;
}

/// <summary>
/// The plain and JSON forms of one iteration or step. Column names keep their meaning at 80 columns: no header to
/// truncate, every value labelled.
/// </summary>
public static class ProgressLines
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary><c>iter 12/100  reward 0.631  strict 40%  zero-var 17%  kl 3.0e-09  clip 2%
    ///  grad 0.0721  nfe 1920  s/it 9.4 (roll 3.3 / reward 0.1 / train 6.1)</c></summary>
    public static string Iteration(IterationReport r, long total)
    {
        double seconds = r.Rollout.Seconds + r.RewardSeconds + r.TrainSeconds;
        var strict = r.ComponentMeans.TryGetValue("shapes.strict", out var s) ? $"  strict {s.ToString("P0", Inv).Replace(" ", "")}" : "";
        var count = total > 0 ? $"{r.Iteration + 1}/{total}" : $"{r.Iteration + 1}";   // a time-bounded run has no known total
        return string.Create(Inv, $"iter {count}  reward {r.RewardMean:F3}{strict}  zero-var {r.Advantages.ZeroVarianceShare * 100:F0}%  " +
            $"kl {r.Update.ApproxKl:0.0e+00}  clip {r.Update.ClipFraction * 100:F0}%  grad {r.Update.GradNorm:G3}  nfe " +
            $"{r.Rollout.ModelForwards}  " +
            $"s/it {seconds:F1} (roll {r.Rollout.Seconds:F1} / reward {r.RewardSeconds:F1} / train {r.TrainSeconds:F1})");
    }

    public static string IterationJson(IterationReport r, long total) => JsonSerializer.Serialize(new
    {
        kind = "train", iteration = r.Iteration + 1, iterations = total > 0 ? total : (long?)null, reward = r.RewardMean,
        reward_std = r.RewardStd,
        components = r.ComponentMeans, zero_variance_share = r.Advantages.ZeroVarianceShare, approx_kl = r.Update.ApproxKl,
        clip_fraction = r.Update.ClipFraction, grad_norm = Finite(r.Update.GradNorm), nfe = r.Rollout.ModelForwards,
        seconds_rollout = r.Rollout.Seconds, seconds_reward = r.RewardSeconds, seconds_train = r.TrainSeconds,
    });

    /// <summary><c>step 120/6000  loss 0.3127  lr 3.0e-04  grad 0.412  152 img/s</c></summary>
    public static string Step(PretrainStepReport s) =>
        string.Create(Inv, $"step {s.Step}/{s.TotalSteps}  loss {s.Loss:F4}  lr {s.LearningRate:0.0e+00}  grad " +
            $"{s.GradNorm:G3}  {s.ImagesPerSecond:F0} img/s") +
        (s.Skipped ? "  skipped (non-finite)" : "");

    public static string StepJson(PretrainStepReport s) => JsonSerializer.Serialize(new
    {
        kind = "step", step = s.Step, steps = s.TotalSteps, loss = Finite(s.Loss), learning_rate = s.LearningRate,
        grad_norm = Finite(s.GradNorm), images_per_second = s.ImagesPerSecond, skipped = s.Skipped,
    });

    /// <summary>An evaluation as one JSON line: per set, n, strict and its SD, partial.</summary>
    public static string EvaluationJson(EvaluationReport e) => JsonSerializer.Serialize(new
    {
        kind = "eval", step = e.Step, seconds = e.Seconds, cached = e.Cached,
        sets = e.Sets.ToDictionary(s => s.Name, s =>
            new { n = s.N, strict = s.OverallStrict, strict_sd = s.OverallStrictSd, partial = s.OverallPartial, family_strict = s.Strict }),
    });

    private static double? Finite(double x) => double.IsFinite(x) ? x : null;
}
