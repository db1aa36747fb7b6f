using System.Text.Json;
using System.Text.Json.Serialization;

namespace Arbor.Rewards;

/// <summary>
/// The remote reward protocol (JSON over HTTP), so any reward model can sit behind a server:
/// <code>
///   POST /score   {"images": [base64 PNG or JPEG, …], "prompts": [text, …], "metadata": [{…}, …]}
///              →  {"scores": [number, …], "components": {"name": [number, …], …}}
///   GET  /health  →  {"status": "ok", "reward": "&lt;name&gt;"}
///   any error     →  4xx or 5xx with {"error": "&lt;what, naming the field and index&gt;"}
/// </code>
/// One finite score per image, in order; "metadata" is optional. The request carries a Content-Length (no chunked
/// encoding), so a server as simple as Python's http.server can read it. A 4xx means the request itself is wrong
/// (413: over the server's limits) and is not retried; 408, 429 and 5xx are worth retrying.
/// `arbor reward-serve` is the reference server; docs/REWARD_SERVER.md documents the protocol for writers of other servers.
/// </summary>
public static class RemoteRewardProtocol
{
    public const string ScorePath = "/score";
    public const string HealthPath = "/health";

    /// <summary>
    /// Components (logged, not optimized) may be NaN or infinite, written as the strings "NaN", "Infinity",
    /// "-Infinity"; scores must be finite numbers.
    /// </summary>
    internal static readonly JsonSerializerOptions Json = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}

public sealed record ScoreRequest(
    [property: JsonPropertyName("images")] string[] Images,
    [property: JsonPropertyName("prompts")] string[] Prompts,
    [property: JsonPropertyName("metadata")] Dictionary<string, string>[]? Metadata);

public sealed record ScoreResponse(
    [property: JsonPropertyName("scores")] double[] Scores,
    [property: JsonPropertyName("components")] Dictionary<string, double[]>? Components);
