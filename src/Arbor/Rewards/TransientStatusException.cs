using System.Net;

namespace Arbor.Rewards;

/// <summary>An HTTP answer worth retrying (5xx, 408, 429), with the wait the server asked for, if any.</summary>
internal sealed class TransientStatusException(string message, HttpStatusCode status, TimeSpan? retryAfter)
    : HttpRequestException(message, null, status)
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
