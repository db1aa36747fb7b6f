using System.Text.Json.Serialization;

namespace Arbor.Rewards;

/// <summary>
/// The remote reward protocol (JSON over HTTP), so any reward model can sit behind a server:
/// <code>
///   POST /score   {"images": [base64 PNG, …], "prompts": [text, …], "metadata": [{…}, …]}
///              →  {"scores": [number, …], "components": {"name": [number, …], …}}
///   GET  /health  →  {"status": "ok", "reward": "&lt;name&gt;"}
/// </code>
/// One score per image, in order. `arbor reward-serve` is the reference server.
/// </summary>
public static class RemoteRewardProtocol
{
    public const string ScorePath = "/score";
    public const string HealthPath = "/health";
}

public sealed record ScoreRequest(
    [property: JsonPropertyName("images")] string[] Images,
    [property: JsonPropertyName("prompts")] string[] Prompts,
    [property: JsonPropertyName("metadata")] Dictionary<string, string>[]? Metadata);

public sealed record ScoreResponse(
    [property: JsonPropertyName("scores")] double[] Scores,
    [property: JsonPropertyName("components")] Dictionary<string, double[]>? Components);
