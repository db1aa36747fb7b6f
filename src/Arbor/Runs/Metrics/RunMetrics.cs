using System.IO.Compression;
using System.Text.Json;

namespace Arbor.Runs.Metrics;

/// <summary>
/// A run's metrics.jsonl read into its records, in file order: an RL run's iterations, a pretraining run's steps, and
/// either's held-out evaluations. Lines of another kind are skipped.
/// </summary>
public sealed record RunMetrics(IReadOnlyList<TrainIterationRecord> Iterations, IReadOnlyList<PretrainStepRecord> Steps,
    IReadOnlyList<EvalRecord> Evaluations)
{
    public static RunMetrics Empty { get; } = new([], [], []);

    /// <summary>The records of the log at <paramref name="path"/>: a
    /// metrics.jsonl, or a metrics.jsonl.gz as docs/results keeps them.</summary>
    /// <exception cref="JsonException">A line is not JSON, or not of its kind's record.</exception>
    public static RunMetrics Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var decoded = path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase)
            ? new GZipStream(stream, CompressionMode.Decompress) : (Stream)stream;
        using var reader = new StreamReader(decoded);
        var lines = new List<string>();
        while (reader.ReadLine() is { } line) lines.Add(line);
        return Read(lines);
    }

    /// <summary>The records of <paramref name="lines"/>; empty lines are skipped.</summary>
    /// <exception cref="JsonException">A line is not JSON, or not of its kind's record.</exception>
    public static RunMetrics Read(IEnumerable<string> lines)
    {
        List<TrainIterationRecord> iterations = [];
        List<PretrainStepRecord> steps = [];
        List<EvalRecord> evaluations = [];
        foreach (var line in lines.Where(l => l.Length > 0))
        {
            // the head tells the records apart: both trainers write kind "train", by iteration or by step
            switch (JsonSerializer.Deserialize<MetricsLineHead>(line, MetricsJson.Options))
            {
                case { Kind: MetricsLineHead.Train, Iteration: not null }: iterations.Add(Parse<TrainIterationRecord>(line)); break;
                case { Kind: MetricsLineHead.Train, Step: not null }: steps.Add(Parse<PretrainStepRecord>(line)); break;
                case { Kind: MetricsLineHead.Eval }: evaluations.Add(Parse<EvalRecord>(line)); break;
            }
        }
        return new(iterations, steps, evaluations);
    }

    private static T Parse<T>(string line) => JsonSerializer.Deserialize<T>(line, MetricsJson.Options)!;
}
