using System.CommandLine;
using Arbor.Cli.Bench;

namespace Arbor.Cli.Commands.Bench;

/// <summary>
/// The options that set a <see cref="ComparisonBudget"/>: `bench strategies` runs at it, `bench table` states the one its
/// merged runs ran at (a results.json holds the runs, not the command line that made them).
/// </summary>
internal sealed class ComparisonBudgetOptions
{
    public Option<int> Iterations { get; } = new("--iterations")
    {
        Description = "Iterations per run (the shared budget when --minutes is 0)",
        DefaultValueFactory = _ => 50
    };
    public Option<double> Minutes { get; } = new("--minutes")
    {
        Description = "Minutes of rollout + reward + training per run (evaluations excluded); 0 = use --iterations",
        DefaultValueFactory = _ => 0
    };
    public Option<int> EvalEvery { get; } = new("--eval-every")
    {
        Description = "Iterations between held-out evaluations (for time-to-target); 0 = before and after only",
        DefaultValueFactory = _ => 0
    };
    public Option<double> TargetGain { get; } = new("--target-gain")
    {
        Description = "Gain of held-out strict accuracy that counts as reaching the target (time-to-target)",
        DefaultValueFactory = _ => 0.10
    };
    public Option<int> PromptsPerFamily { get; } = new("--prompts-per-family")
    {
        Description = "Prompts per family in each held-out set at each evaluation",
        DefaultValueFactory = _ => new Arbor.Evaluation.EvalConfig().PromptsPerFamily
    };
    public Option<Arbor.Tensors.Precision> EvalPrecision { get; } = ModelOptions.Precision("--eval-precision",
        "Every run's held-out evaluations (base included) in fp32, bf16 or auto (default: each config's eval.precision, fp32 " +
            "unless it says otherwise)");
    public Option<Arbor.Tensors.Precision> TrainPrecision { get; } = ModelOptions.Precision("--precision",
        "Every run's rollouts and training in fp32, bf16 or auto (default: each config's train.precision, fp32 unless it " +
            "says otherwise); a --minutes comparison gives every method the same arithmetic with it");

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { Iterations, Minutes, EvalEvery, TargetGain, PromptsPerFamily, EvalPrecision, TrainPrecision })
            command.Options.Add(option);
    }

    public ComparisonBudget Budget(ParseResult r) =>
        new(r.GetValue(Iterations), r.GetValue(Minutes), r.GetValue(EvalEvery), r.GetValue(PromptsPerFamily), r.GetValue(TargetGain),
            r.GetResult(EvalPrecision) is null ? null : r.GetValue(EvalPrecision),
            r.GetResult(TrainPrecision) is null ? null : r.GetValue(TrainPrecision));
}
