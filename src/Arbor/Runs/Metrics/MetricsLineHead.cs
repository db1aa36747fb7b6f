using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arbor.Runs.Metrics;

/// <summary>
/// What every metrics.jsonl line has, whatever its record: its kind and its position (an RL run's lines carry the
/// iteration, a pretraining run's the step). Enough to tell the records apart and to truncate a log on resume.
/// </summary>
public sealed record MetricsLineHead(
    [property: JsonPropertyName("kind")] string? Kind,
    [property: JsonPropertyName("iteration")] long? Iteration,
    [property: JsonPropertyName("step")] long? Step)
{
    /// <summary>The kind of a training line: <see cref="TrainIterationRecord"/> (RL) or <see cref="PretrainStepRecord"/>.</summary>
    public const string Train = "train";

    /// <summary>The kind of a held-out evaluation line: <see cref="EvalRecord"/>.</summary>
    public const string Eval = "eval";

    /// <summary>The line's position by <paramref name="position"/>, or null when it has none.</summary>
    public long? At(MetricsPosition position) => position == MetricsPosition.Iteration ? Iteration : Step;

    /// <summary>The head of <paramref name="line"/>, or null for a line torn by a kill mid-write (or not JSON at all).</summary>
    public static MetricsLineHead? TryParse(string line)
    {
        try { return JsonSerializer.Deserialize<MetricsLineHead>(line, MetricsJson.Options); }
        catch (JsonException) { return null; }
    }
}
