namespace Arbor.Pretraining;

/// <summary>One optimizer step, as the progress display and metrics.jsonl see it.</summary>
public sealed record PretrainStepReport(long Step, long TotalSteps, double Loss, double LearningRate, double GradNorm,
    double ImagesPerSecond, bool Skipped);
