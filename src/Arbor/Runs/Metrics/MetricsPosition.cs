namespace Arbor.Runs.Metrics;

/// <summary>What a run's metrics lines are positioned by: an RL run's iterations, or a pretraining run's optimizer steps.</summary>
public enum MetricsPosition
{
    Iteration,
    Step,
}
