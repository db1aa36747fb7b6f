using System.Net;
using System.Net.Http.Headers;
using Polly;
using Polly.Retry;

namespace Arbor.Rewards;

/// <summary>
/// When the remote reward client tries again, and how long it waits: a Polly retry strategy. Retried: a refused or
/// dropped connection, no answer within <see cref="RemoteRewardConfig.TimeoutSeconds"/>, HTTP 5xx, 408 and 429.
/// Everything else (another 4xx, an unknown host, a TLS failure, a body that is not the protocol's) would fail the
/// same way again and is not. Retry k (from 0) waits Polly's exponential backoff with decorrelated jitter: a random
/// delay between 0 and 2 x backoff x 2^k (and at most a day), with median about backoff x 2^k, so clients that
/// failed together do not come back together. A 429 or 503 that carries Retry-After waits exactly what the server asked instead.
/// </summary>
internal static class RemoteRewardRetry
{
    /// <summary>The pipeline for these settings; <paramref name="time"/> replaces the clock in tests (the waits are its timers).</summary>
    public static ResiliencePipeline Pipeline(RemoteRewardConfig config, TimeProvider? time = null, Func<double>? randomizer = null)
    {
        // Polly requires at least one retry: none configured means no retry strategy at all.
        if (config.Retries == 0) return ResiliencePipeline.Empty;
        var retry = new RetryStrategyOptions
        {
            MaxRetryAttempts = config.Retries,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromSeconds(config.BackoffSeconds),
            // Polly's longest (a day): the doubling would otherwise outgrow what Task.Delay can wait after ~25 retries
            MaxDelay = TimeSpan.FromSeconds(RemoteRewardConfig.LongestBackoffSeconds),
            ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is { } e && IsTransient(e, args.Context.CancellationToken)),
            DelayGenerator = args =>
                ValueTask.FromResult(args.Outcome.Exception is TransientStatusException { RetryAfter: { } wait } ? wait : (TimeSpan?)null),
        };
        if (randomizer is not null) retry.Randomizer = randomizer;
        var builder = new ResiliencePipelineBuilder();
        if (time is not null) builder.TimeProvider = time;
        return builder.AddRetry(retry).Build();
    }

    /// <summary>Worth another try: the server is overloaded, restarting or broken for now, or the request timed out there.</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests;

    /// <summary>
    /// A failure of one attempt that another may not have. A cancellation the caller asked for is not one; a
    /// TaskCanceledException otherwise is HttpClient's timeout.
    /// </summary>
    public static bool IsTransient(Exception e, CancellationToken cancel) => e switch
    {
        TransientStatusException => true,
        HttpRequestException h => h.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.ResponseEnded
            || h.InnerException is IOException,
        IOException => true,
        TaskCanceledException => !cancel.IsCancellationRequested,
        _ => false,
    };

    /// <summary>
    /// The wait a 429 or 503 asks for in its Retry-After header (seconds or an HTTP date), at most Task.Delay's
    /// longest; null when there is none, or for another status, where the header has no retry meaning.
    /// </summary>
    public static TimeSpan? RetryAfter(HttpStatusCode status, RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (status is not (HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) || header is null) return null;
        var wait = header.Delta ?? (header.Date is { } date ? date - now : null);
        if (wait is not { } w) return null;
        if (w < TimeSpan.Zero) return TimeSpan.Zero;   // a date already past: retry now
        return w.TotalSeconds > RemoteRewardConfig.LongestWaitSeconds ? TimeSpan.FromSeconds(RemoteRewardConfig.LongestWaitSeconds) : w;
    }
}
