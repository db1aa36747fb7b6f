using System.Net.Http.Json;
using Arbor.Imaging;

namespace Arbor.Rewards;

/// <summary>Settings of the HTTP reward client.</summary>
public sealed record RemoteRewardConfig
{
    /// <summary>Base address of the server, e.g. http://127.0.0.1:5055.</summary>
    public string Url { get; init; } = "http://127.0.0.1:5055";
    /// <summary>Seconds one request may take before it counts as failed.</summary>
    public double TimeoutSeconds { get; init; } = 60;
    /// <summary>Retries after the first attempt.</summary>
    public int Retries { get; init; } = 3;
    /// <summary>Delay before the first retry; doubled for each further one.</summary>
    public double BackoffSeconds { get; init; } = 0.5;
}

/// <summary>
/// A reward computed by a server speaking <see cref="RemoteRewardProtocol"/>: images go out as PNGs.
/// Failures (refused connection, timeout, HTTP error, malformed answer) are retried with exponential
/// backoff; when retries run out, a <see cref="RewardServerException"/> names the server and the last error.
/// </summary>
public sealed class RemoteReward : IRewardFunction, IDisposable
{
    private readonly HttpClient _http;
    private readonly RemoteRewardConfig _config;

    public RemoteReward(RemoteRewardConfig config, string name = "remote")
    {
        _config = config;
        Name = name;
        _http = new HttpClient { BaseAddress = new Uri(config.Url), Timeout = TimeSpan.FromSeconds(config.TimeoutSeconds) };
    }

    public string Name { get; }

    public async Task<RewardScores> ScoreAsync(RewardBatch batch, CancellationToken cancel = default)
    {
        var request = new ScoreRequest(
            batch.Images.Select(i => Convert.ToBase64String(PngEncoder.Encode(i))).ToArray(),
            batch.Prompts.ToArray(),
            batch.Metadata?.Select(m => m.ToDictionary(kv => kv.Key, kv => kv.Value)).ToArray());
        Exception? last = null;
        for (int attempt = 0; attempt <= _config.Retries; attempt++)
        {
            if (attempt > 0)
                await Task.Delay(TimeSpan.FromSeconds(_config.BackoffSeconds * Math.Pow(2, attempt - 1)), cancel);
            try
            {
                using var response = await _http.PostAsJsonAsync(RemoteRewardProtocol.ScorePath, request, cancel);
                if (!response.IsSuccessStatusCode)
                    throw new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {Truncate(await response.Content.ReadAsStringAsync(cancel))}");
                var body = await response.Content.ReadFromJsonAsync<ScoreResponse>(cancel)
                           ?? throw new FormatException("empty response body");
                if (body.Scores is null || body.Scores.Length != batch.Count)
                    throw new FormatException($"expected {batch.Count} scores, got {body.Scores?.Length ?? 0}");
                return new RewardScores(body.Scores, body.Components ?? new Dictionary<string, double[]>());
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or FormatException or System.Text.Json.JsonException
                                      && !cancel.IsCancellationRequested)
            {
                last = e is TaskCanceledException ? new TimeoutException($"no answer within {_config.TimeoutSeconds:0.###} s") : e;
            }
        }
        throw new RewardServerException(
            $"reward server {_config.Url} failed {_config.Retries + 1} times; last error: {last!.Message}", last);
    }

    private static string Truncate(string s) => s.Length <= 200 ? s : s[..200] + "…";

    public void Dispose() => _http.Dispose();
}

/// <summary>The reward server could not be reached or answered badly after every retry.</summary>
public sealed class RewardServerException(string message, Exception? inner) : Exception(message, inner);
