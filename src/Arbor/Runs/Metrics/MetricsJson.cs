using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arbor.Runs.Metrics;

/// <summary>The one serializer setting of metrics.jsonl, shared by its writer and its readers.</summary>
public static class MetricsJson
{
    /// <summary>
    /// NaN and ±∞ are written as "NaN" / "Infinity" strings (a skipped iteration logs its NaN loss rather than failing
    /// to log; the signal meter is NaN with one minibatch) and read back as the same doubles.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
}
