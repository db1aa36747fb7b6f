using System.Text.Json.Serialization;

namespace Arbor.Runs.Metrics;

/// <summary>
/// A held-out evaluation line of metrics.jsonl (kind "eval"): an RL run's at an iteration, with its training clock,
/// or a pretraining run's at a step. Keys one of them does not write are left out of the line.
/// </summary>
public sealed record EvalRecord
{
    [JsonPropertyName("kind")] public string Kind => MetricsLineHead.Eval;

    /// <summary>The RL iteration evaluated (0: the base), or null in a pretraining run.</summary>
    [JsonPropertyName("iteration"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? Iteration { get; init; }

    /// <summary>The pretraining step evaluated, or null in an RL run.</summary>
    [JsonPropertyName("step"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public long? Step { get; init; }

    /// <summary>Each held-out set evaluated, by name, in evaluation order (empty in the
    /// oldest logs, whose one flat evaluation per line predates held-out sets).</summary>
    [JsonPropertyName("sets")]
    public IReadOnlyDictionary<string, EvalSetRecord> Sets { get; init; } = new Dictionary<string, EvalSetRecord>();

    /// <summary>Seconds the evaluation took.</summary>
    [JsonPropertyName("seconds")] public double Seconds { get; init; }

    /// <summary>Whether the base's stored evaluation was used rather than a fresh one (RL runs; null in older logs).</summary>
    [JsonPropertyName("cached"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? Cached { get; init; }

    /// <summary>The run's training seconds when it was evaluated (RL runs).</summary>
    [JsonPropertyName("training_seconds"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? TrainingSeconds { get; init; }

    /// <summary>Whether the weights evaluated were the EMA (RL runs).</summary>
    [JsonPropertyName("ema"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public bool? Ema { get; init; }

    /// <summary>The iteration or step evaluated, whichever the run logs.</summary>
    [JsonIgnore]
    public long Position =>
        Iteration ?? Step ?? throw new FormatException("metrics.jsonl: an eval line has neither an iteration nor a step");
}
