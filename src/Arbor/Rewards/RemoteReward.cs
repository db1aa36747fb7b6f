using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Arbor.Imaging;

namespace Arbor.Rewards;

/// <summary>Settings of the HTTP reward client.</summary>
public sealed record RemoteRewardConfig
{
    /// <summary>Base address of the server, e.g. http://127.0.0.1:5055.</summary>
    public string Url { get; init; } = "http://127.0.0.1:5055";
    /// <summary>Seconds one request may take before it counts as failed.</summary>
    public double TimeoutSeconds { get; init; } = 60;
    /// <summary>Retries after the first attempt (transient failures only).</summary>
    public int Retries { get; init; } = 3;
    /// <summary>
    /// Median delay before the first retry; the median doubles for each further one. Jittered: retry k (from 0)
    /// waits between 0 and 2 x backoff x 2^k (<see cref="RemoteRewardRetry"/>), unless a 429 or 503 says Retry-After.
    /// </summary>
    public double BackoffSeconds { get; init; } = 0.5;

    /// <summary>HttpClient's and Task.Delay's longest wait, about 24.8 days:
    /// a longer timeout or backoff throws deep inside the client.</summary>
    public const double LongestWaitSeconds = int.MaxValue / 1000.0;

    /// <summary>The longest <see cref="BackoffSeconds"/>, and the longest
    /// jittered wait: Polly's limit on a retry strategy's delays.</summary>
    public const double LongestBackoffSeconds = 86400;

    /// <summary>What is wrong with these settings, each message starting with its key under <c>reward.remote</c>.</summary>
    public IEnumerable<string> Problems()
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            yield return $"url must be an absolute http:// or https:// address (got '{Url}')";
        if (TimeoutSeconds is <= 0 or > LongestWaitSeconds)
            yield return $"timeout_seconds must be > 0 and at most {LongestWaitSeconds:0} (got {TimeoutSeconds})";
        if (Retries < 0) yield return $"retries must be >= 0 (got {Retries})";
        if (BackoffSeconds < 0)
        {
            yield return $"backoff_seconds must be >= 0 (got {BackoffSeconds})";
        }
        // Polly's retry strategy refuses a base delay over a day
        else if (BackoffSeconds > LongestBackoffSeconds)
        {
            yield return $"backoff_seconds must be at most {LongestBackoffSeconds:0} (one day; got {BackoffSeconds})";
        }
        else if (Retries > 0 && BackoffSeconds * Math.Pow(2, Retries - 1) > LongestWaitSeconds)
        {
            yield return $"backoff_seconds x 2^(retries - 1), the last retry's wait, must be at most {LongestWaitSeconds:0} s (got " +
                $"{BackoffSeconds} x 2^{Retries - 1})";
        }
    }
}

/// <summary>
/// A reward computed by a server speaking <see cref="RemoteRewardProtocol"/>: images go out as PNGs, in a body
/// with a Content-Length. Transient failures are retried as <see cref="RemoteRewardRetry"/> says (exponential backoff
/// with jitter, Retry-After honored); when retries run out, a <see cref="RewardServerException"/> names the server and
/// the last error. A permanent failure (any other HTTP error, a body that is not the protocol's JSON, a wrong number
/// of scores, a NaN or infinite score) would fail the same way again, so it is a <see cref="RewardServerException"/> at once.
/// </summary>
public sealed class RemoteReward : IRewardFunction, IDisposable
{
    private readonly HttpClient _http;
    private readonly RemoteRewardConfig _config;
    private readonly Polly.ResiliencePipeline _retry;
    private readonly TimeProvider _time;

    public RemoteReward(RemoteRewardConfig config, string name = "remote") : this(config, name, null, null) { }

    /// <summary>With <paramref name="time"/> and <paramref name="randomizer"/>
    /// replacing the retry waits' clock and jitter (tests).</summary>
    internal RemoteReward(RemoteRewardConfig config, string name, TimeProvider? time, Func<double>? randomizer)
    {
        _config = config;
        Name = name;
        _time = time ?? TimeProvider.System;
        _http = new HttpClient { BaseAddress = new Uri(config.Url), Timeout = TimeSpan.FromSeconds(config.TimeoutSeconds) };
        _retry = RemoteRewardRetry.Pipeline(config, time, randomizer);
    }

    public string Name { get; }

    public async Task<RewardScores> ScoreAsync(RewardBatch batch, CancellationToken cancel = default)
    {
        // Serialized once, to bytes: ByteArrayContent sends a Content-Length (PostAsJsonAsync would stream it
        // chunked, which Python's http.server and other simple servers cannot read), and a retry resends the same bytes.
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new ScoreRequest(
            batch.Images.Select(i => Convert.ToBase64String(PngEncoder.Encode(i))).ToArray(),
            batch.Prompts.ToArray(),
            batch.Metadata?.Select(m => m.ToDictionary(kv => kv.Key, kv => kv.Value)).ToArray()));
        return await WithRetriesAsync(c => PostAsync(body, batch.Count, c), $"POST {RemoteRewardProtocol.ScorePath}", cancel);
    }

    /// <summary>
    /// GET /health, retried like a score request: returns when the server answers 200, else throws a
    /// <see cref="RewardServerException"/> naming the address and what failed (refused connection, timeout, the status
    /// and the server's error). A run checks this before its first iteration, so a missing server fails in seconds.
    /// </summary>
    public async Task CheckHealthAsync(CancellationToken cancel = default)
    {
        await WithRetriesAsync(async c =>
        {
            using var response = await _http.GetAsync(RemoteRewardProtocol.HealthPath, c);
            byte[] answer = await response.Content.ReadAsByteArrayAsync(c);
            if (response.IsSuccessStatusCode) return true;
            string error = StatusError(response, answer);
            if (RemoteRewardRetry.IsTransient(response.StatusCode)) throw Transient(response, error);
            throw Permanent($"failed its health check GET {_config.Url.TrimEnd('/')}{RemoteRewardProtocol.HealthPath}", error);
        }, $"GET {RemoteRewardProtocol.HealthPath} (the health check)", cancel);
    }

    /// <summary>Runs <paramref name="attempt"/> through the retry pipeline; a transient failure
    /// that outlasts the retries becomes a <see cref="RewardServerException"/>.</summary>
    private async Task<T> WithRetriesAsync<T>(Func<CancellationToken, Task<T>> attempt, string what, CancellationToken cancel)
    {
        try
        {
            return await _retry.ExecuteAsync(async c => await attempt(c), cancel);
        }
        catch (Exception e) when (RemoteRewardRetry.IsTransient(e, cancel))
        {
            string last = e is TaskCanceledException ? $"no answer within {_config.TimeoutSeconds:0.###} s" : e.Message;
            throw new RewardServerException(
                $"reward server {_config.Url} failed {_config.Retries + 1} times at {what}; last error: {last}",
                e is TaskCanceledException ? new TimeoutException(last, e) : e);
        }
    }

    /// <summary>One attempt: a transient failure escapes as <see cref="HttpRequestException"/>,
    /// a permanent one as <see cref="RewardServerException"/>.</summary>
    private async Task<RewardScores> PostAsync(byte[] body, int count, CancellationToken cancel)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync(RemoteRewardProtocol.ScorePath, content, cancel);
        byte[] answer = await response.Content.ReadAsByteArrayAsync(cancel);
        if (!response.IsSuccessStatusCode)
        {
            string error = StatusError(response, answer);
            if (RemoteRewardRetry.IsTransient(response.StatusCode)) throw Transient(response, error);
            throw Permanent("rejected the request", error);
        }

        ScoreResponse? parsed;
        try { parsed = JsonSerializer.Deserialize<ScoreResponse>(answer, RemoteRewardProtocol.Json); }
        catch (JsonException e)
        {
            string hint = Encoding.UTF8.GetString(answer).Contains("NaN") ? " (a bare NaN is not JSON: scores must be finite numbers)" : "";
            throw Permanent("answered with a body that is not the protocol's JSON",
                $"{e.Message}{hint}: {Truncate(Encoding.UTF8.GetString(answer))}");
        }

        if (parsed?.Scores is not { } scores) throw Permanent("answered without \"scores\"", Truncate(Encoding.UTF8.GetString(answer)));
        if (scores.Length != count) throw Permanent("answered the wrong number of scores", $"expected {count}, got {scores.Length}");
        int bad = Array.FindIndex(scores, s => !double.IsFinite(s));
        if (bad >= 0)
        {
            throw Permanent("answered a non-finite score",
                $"score {bad} is {(double.IsNaN(scores[bad]) ? "NaN" : scores[bad] > 0 ? "Infinity" : "-Infinity")}");
        }
        var components = parsed.Components ?? new Dictionary<string, double[]>();
        foreach (var (name, values) in components)
        {
            if (values is null || values.Length != count)
            {
                throw Permanent("answered the wrong number of component values",
                    $"component '{name}' has {values?.Length ?? 0}, expected {count}");
            }
        }

        return new RewardScores(scores, components);
    }

    private static string StatusError(HttpResponseMessage response, byte[] answer) =>
        $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {Truncate(ErrorText(answer))}";

    private TransientStatusException Transient(HttpResponseMessage response, string error) =>
        new(error, response.StatusCode, RemoteRewardRetry.RetryAfter(response.StatusCode, response.Headers.RetryAfter, _time.GetUtcNow()));

    private RewardServerException Permanent(string what, string detail) =>
        new($"reward server {_config.Url} {what} (not retried): {detail}", null);

    /// <summary>The "error" of a protocol error body, else the body itself.</summary>
    private static string ErrorText(byte[] answer)
    {
        string text = Encoding.UTF8.GetString(answer);
        try
        {
            using var doc = JsonDocument.Parse(answer);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var error)
                && error.ValueKind == JsonValueKind.String)
            {
                return error.GetString()!;
            }
        }
        catch (JsonException) { }
        return text;
    }

    private static string Truncate(string s) => s.Length <= 500 ? s : s[..500] + "…";

    public void Dispose() => _http.Dispose();
}

/// <summary>The reward server could not be reached, or answered badly: permanently, or after every retry.</summary>
public sealed class RewardServerException(string message, Exception? inner) : Exception(message, inner);
