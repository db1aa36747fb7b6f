using Arbor.Evaluation;
namespace Arbor.Pretraining;

/// <summary>One optimizer step, as the progress display and metrics.jsonl see it.</summary>
public sealed record PretrainStepReport(long Step, long TotalSteps, double Loss, double LearningRate, double GradNorm,
    double ImagesPerSecond, bool Skipped);

/// <summary>A held-out evaluation: strict and partial accuracy per task family, and where its grid went.</summary>
public sealed record EvaluationReport(long Step, IReadOnlyDictionary<string, double> Strict, IReadOnlyDictionary<string, double> Partial,
    double OverallStrict, double OverallPartial, string? GridPath, double Seconds)
{
    /// <summary>Why prompts failed, per family (null when the evaluator does not say).</summary>
    public IReadOnlyDictionary<string, FamilyFailures>? Failures { get; init; }
}

/// <summary>Evaluates a generator on held-out prompts (the Shapes verifier, or a user's).</summary>
public interface IHeldOutEvaluator
{
    EvaluationReport Evaluate(Pipelines.TextToImagePipeline pipeline, EvalConfig config, long step, string outputDirectory);
}
