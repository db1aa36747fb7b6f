using System.Net;
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
    /// <summary>Delay before the first retry; doubled for each further one.</summary>
    public double BackoffSeconds { get; init; } = 0.5;

    /// <summary>HttpClient's and Task.Delay's longest wait, about 24.8 days: a longer timeout or backoff throws deep inside the client.</summary>
    public const double LongestWaitSeconds = int.MaxValue / 1000.0;

    /// <summary>What is wrong with these settings, each message starting with its key under <c>reward.remote</c>.</summary>
    public IEnumerable<string> Problems()
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            yield return $"url must be an absolute http:// or https:// address (got '{Url}')";
        if (TimeoutSeconds is <= 0 or > LongestWaitSeconds) yield return $"timeout_seconds must be > 0 and at most {LongestWaitSeconds:0} (got {TimeoutSeconds})";
        if (Retries < 0) yield return $"retries must be >= 0 (got {Retries})";
        if (BackoffSeconds < 0) yield return $"backoff_seconds must be >= 0 (got {BackoffSeconds})";
        else if (Retries > 0 && BackoffSeconds * Math.Pow(2, Retries - 1) > LongestWaitSeconds)
            yield return $"backoff_seconds x 2^(retries - 1), the last retry's wait, must be at most {LongestWaitSeconds:0} s (got {BackoffSeconds} x 2^{Retries - 1})";
    }
}

/// <summary>
/// A reward computed by a server speaking <see cref="RemoteRewardProtocol"/>: images go out as PNGs, in a body
/// with a Content-Length. Transient failures (refused or reset connection, timeout, HTTP 5xx, 408, 429) are retried
/// with exponential backoff; when retries run out, a <see cref="RewardServerException"/> names the server and the
/// last error. A permanent failure (any other HTTP error, a body that is not the protocol's JSON, a wrong number of
/// scores, a NaN or infinite score) would fail the same way again, so it is a <see cref="RewardServerException"/> at once.
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
        // Serialized once, to bytes: ByteArrayContent sends a Content-Length (PostAsJsonAsync would stream it
        // chunked, which Python's http.server and other simple servers cannot read), and a retry resends the same bytes.
        byte[] body = JsonSerializer.SerializeToUtf8Bytes(new ScoreRequest(
            batch.Images.Select(i => Convert.ToBase64String(PngEncoder.Encode(i))).ToArray(),
            batch.Prompts.ToArray(),
            batch.Metadata?.Select(m => m.ToDictionary(kv => kv.Key, kv => kv.Value)).ToArray()));
        Exception? last = null;
        for (int attempt = 0; attempt <= _config.Retries; attempt++)
        {
            if (attempt > 0)
                await Task.Delay(TimeSpan.FromSeconds(_config.BackoffSeconds * Math.Pow(2, attempt - 1)), cancel);
            try
            {
                return await PostAsync(body, batch.Count, cancel);
            }
            catch (Exception e) when (e is HttpRequestException or IOException or TaskCanceledException && !cancel.IsCancellationRequested)
            {
                last = e is TaskCanceledException ? new TimeoutException($"no answer within {_config.TimeoutSeconds:0.###} s") : e;
            }
        }

        throw new RewardServerException(
            $"reward server {_config.Url} failed {_config.Retries + 1} times; last error: {last!.Message}", last);
    }

    /// <summary>One attempt: a transient failure escapes as <see cref="HttpRequestException"/>, a permanent one as <see cref="RewardServerException"/>.</summary>
    private async Task<RewardScores> PostAsync(byte[] body, int count, CancellationToken cancel)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await _http.PostAsync(RemoteRewardProtocol.ScorePath, content, cancel);
        byte[] answer = await response.Content.ReadAsByteArrayAsync(cancel);
        if (!response.IsSuccessStatusCode)
        {
            string error = $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}: {Truncate(ErrorText(answer))}";
            if (IsTransient(response.StatusCode)) throw new HttpRequestException(error, null, response.StatusCode);
            throw Permanent("rejected the request", error);
        }

        ScoreResponse? parsed;
        try { parsed = JsonSerializer.Deserialize<ScoreResponse>(answer, RemoteRewardProtocol.Json); }
        catch (JsonException e)
        {
            string hint = Encoding.UTF8.GetString(answer).Contains("NaN") ? " (a bare NaN is not JSON: scores must be finite numbers)" : "";
            throw Permanent("answered with a body that is not the protocol's JSON", $"{e.Message}{hint}: {Truncate(Encoding.UTF8.GetString(answer))}");
        }

        if (parsed?.Scores is not { } scores) throw Permanent("answered without \"scores\"", Truncate(Encoding.UTF8.GetString(answer)));
        if (scores.Length != count) throw Permanent("answered the wrong number of scores", $"expected {count}, got {scores.Length}");
        int bad = Array.FindIndex(scores, s => !double.IsFinite(s));
        if (bad >= 0) throw Permanent("answered a non-finite score", $"score {bad} is {(double.IsNaN(scores[bad]) ? "NaN" : scores[bad] > 0 ? "Infinity" : "-Infinity")}");
        var components = parsed.Components ?? new Dictionary<string, double[]>();
        foreach (var (name, values) in components)
        {
            if (values is null || values.Length != count)
                throw Permanent("answered the wrong number of component values", $"component '{name}' has {values?.Length ?? 0}, expected {count}");
        }

        return new RewardScores(scores, components);
    }

    /// <summary>Worth another try: the server is overloaded, restarting or broken for now, or the request timed out there.</summary>
    private static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

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
                return error.GetString()!;
        }
        catch (JsonException) { }
        return text;
    }

    private static string Truncate(string s) => s.Length <= 500 ? s : s[..500] + "…";

    public void Dispose() => _http.Dispose();
}

/// <summary>The reward server could not be reached, or answered badly: permanently, or after every retry.</summary>
public sealed class RewardServerException(string message, Exception? inner) : Exception(message, inner);
