using System.Text.Json;

namespace Arbor.Runs.Metrics;

/// <summary>
/// The one writer of metrics.jsonl: one JSON line per record, in <see cref="MetricsJson.Options"/>, so the RL trainer
/// and the pretrainer write the format <see cref="RunMetrics"/> reads. In a data-parallel run rank 0 writes the file and
/// the other ranks write to <see cref="TextWriter.Null"/>.
/// </summary>
public sealed class MetricsWriter(TextWriter output) : IDisposable
{
    /// <summary>The run's metrics.jsonl at <paramref name="path"/>, flushed
    /// line by line so a kill loses at most the line being written.</summary>
    public static MetricsWriter Open(string path, bool append) => new(new StreamWriter(path, append) { AutoFlush = true });

    /// <summary>A writer that keeps nothing: the metrics of a rank that is not rank 0.</summary>
    public static MetricsWriter Discard() => new(TextWriter.Null);

    public void Write(TrainIterationRecord record) => Line(record);

    public void Write(PretrainStepRecord record) => Line(record);

    public void Write(EvalRecord record) => Line(record);

    private void Line<T>(T record) => output.WriteLine(JsonSerializer.Serialize(record, MetricsJson.Options));

    public void Dispose() => output.Dispose();
}
