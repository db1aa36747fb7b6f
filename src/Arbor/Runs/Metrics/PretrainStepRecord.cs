using System.Text.Json.Serialization;

namespace Arbor.Runs.Metrics;

/// <summary>A pretraining run's metrics line for one logged optimizer step (kind "train", positioned by step).</summary>
public sealed record PretrainStepRecord
{
    [JsonPropertyName("kind")] public string Kind => MetricsLineHead.Train;

    /// <summary>Steps done, this one included (1-based).</summary>
    [JsonPropertyName("step")] public long Step { get; init; }

    /// <summary>The flow-matching loss of the step's batch (NaN or ±∞ when the step was skipped).</summary>
    [JsonPropertyName("loss")] public double Loss { get; init; }

    [JsonPropertyName("lr")] public double LearningRate { get; init; }

    /// <summary>The gradient's global norm before clipping.</summary>
    [JsonPropertyName("grad_norm")] public double GradNorm { get; init; }

    /// <summary>Training images per second since the previous line.</summary>
    [JsonPropertyName("images_per_s")] public double ImagesPerSecond { get; init; }

    /// <summary>Whether the update was skipped for a non-finite loss or gradient.</summary>
    [JsonPropertyName("skipped")] public bool Skipped { get; init; }
}
