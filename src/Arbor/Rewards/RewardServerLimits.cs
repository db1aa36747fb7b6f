namespace Arbor.Rewards;

/// <summary>
/// What one request to <see cref="RewardServer"/> may cost. A PNG of a few hundred bytes can claim 40000x40000
/// pixels (a decompression bomb: 4.8 GB once decoded), so every image's dimensions are read from its header and
/// checked against these limits before anything is decoded; a request over a limit is answered 413 naming it.
/// The defaults leave ample room for text-to-image rewards, which see 32-1024 px images and resize to at most
/// 512 px themselves, while keeping one request under ~200 MB of decoded pixels. The server's memory follows from
/// the limits: at most <see cref="MaxPixelsInFlight"/> x 3 bytes of decoded images (805 MB), plus per slot one image's
/// working memory (the decoder's 4 bytes per pixel, the shapes verifier's 5: 335 MB for 4 slots), plus under 2 x
/// <see cref="MaxPixelsPerRequest"/> x 3 bytes of answered requests' images not yet collected (403 MB), plus the bodies
/// admitted (their UTF-8 and their images' bytes, ~2 x <see cref="MaxBodyBytesInFlight"/>: 537 MB), plus Kestrel's read
/// buffer of each other open connection (at most 1 MiB x <see cref="MaxConnections"/>: 134 MB): 2.2 GB at the
/// defaults (docs/RELIABILITY.md).
/// </summary>
public sealed record RewardServerLimits
{
    /// <summary>The largest image, in pixels (width x height): 4096 x 4096 = 16.7 Mpx (48 MB as RGB).</summary>
    public long MaxPixelsPerImage { get; init; } = 4096L * 4096;

    /// <summary>Decoded pixels of all images of one request together: 64 Mpx (192 MB as RGB), e.g. 64 images of 1024 x 1024.</summary>
    public long MaxPixelsPerRequest { get; init; } = 64L * 1024 * 1024;

    /// <summary>Images (and prompts) in one request: 1024, far above any rollout batch.</summary>
    public int MaxImagesPerRequest { get; init; } = 1024;

    /// <summary>
    /// Bytes of one request body (Kestrel's MaxRequestBodySize): 64 MiB, e.g. ~150 base64 PNGs of 512 x 512 samples
    /// (~400 KB each) or 1024 of 64 x 64; raise it together with the pixel limits for larger batches.
    /// </summary>
    public long MaxRequestBodyBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>
    /// Decoded pixels alive at once over all concurrent requests: 256 Mpx (768 MB as RGB). A request holds its
    /// share, <see cref="MaxPixelsPerRequest"/>, from decoding until it is scored, so at most
    /// <see cref="ConcurrentRequests"/> requests decode and score at once; the others wait their turn.
    /// </summary>
    public long MaxPixelsInFlight { get; init; } = 256L * 1024 * 1024;

    private readonly long? _maxBodyBytesInFlight;

    /// <summary>
    /// Bytes of request bodies admitted at once over all requests: 4 x <see cref="MaxRequestBodyBytes"/> (256 MiB) unless
    /// set. A request takes its Content-Length (the body limit when it is chunked and its length unknown) before it reads
    /// its body and holds it until it is answered, since its images' bytes live until they are decoded; so the bodies
    /// in memory (UTF-8 while parsed, then the images' bytes, ~2 x the body) stay under ~2 x this, however many
    /// connections are open. A request whose bytes are not free waits its turn, first come first served, for at most
    /// <see cref="BodyWaitTimeout"/>, then gets 503 with Retry-After. At least <see cref="MaxRequestBodyBytes"/>.
    /// </summary>
    public long MaxBodyBytesInFlight
    {
        get => _maxBodyBytesInFlight ?? (MaxRequestBodyBytes > long.MaxValue / 4 ? long.MaxValue : 4 * MaxRequestBodyBytes);
        init => _maxBodyBytesInFlight = value;
    }

    /// <summary>
    /// How long a request waits for its share of <see cref="MaxBodyBytesInFlight"/> before it is answered 503 with
    /// Retry-After: 20 s. Waiting rather than refusing at once keeps requests in arrival order (a 503 at once would make
    /// clients poll, and a small request could overtake a large one forever) and costs little: a waiting request holds
    /// one connection and at most Kestrel's 1 MiB read buffer. The wait is bounded so that a client hears an answer it
    /// can act on (the remote-reward client retries a 503) well before its own timeout (60 s by default), rather than
    /// queueing behind a stuck reward until it gives up.
    /// </summary>
    public TimeSpan BodyWaitTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Open connections (Kestrel's MaxConcurrentConnections): 128. Kestrel reads up to 1 MiB of each connection's body
    /// ahead of the server, so this bounds that memory (128 MiB); a connection over the limit is closed unanswered
    /// (the remote-reward client retries it). A client needs one per request it has in flight.
    /// </summary>
    public int MaxConnections { get; init; } = 128;

    /// <summary>Requests that may hold decoded images at once:
    /// <see cref="MaxPixelsInFlight"/> / <see cref="MaxPixelsPerRequest"/>.</summary>
    public int ConcurrentRequests => (int)Math.Min(int.MaxValue, MaxPixelsInFlight / MaxPixelsPerRequest);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first limit that is not positive or not consistent.</summary>
    public RewardServerLimits Validate()
    {
        Positive(MaxPixelsPerImage, nameof(MaxPixelsPerImage));
        Positive(MaxPixelsPerRequest, nameof(MaxPixelsPerRequest));
        Positive(MaxImagesPerRequest, nameof(MaxImagesPerRequest));
        Positive(MaxRequestBodyBytes, nameof(MaxRequestBodyBytes));
        Positive(MaxPixelsInFlight, nameof(MaxPixelsInFlight));
        Positive(MaxConnections, nameof(MaxConnections));
        if (BodyWaitTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"{nameof(BodyWaitTimeout)} must be positive, got {BodyWaitTimeout}");
        if (MaxBodyBytesInFlight < MaxRequestBodyBytes)
        {
            throw new ArgumentException($"{nameof(MaxBodyBytesInFlight)} ({MaxBodyBytesInFlight}) is below {nameof(MaxRequestBodyBytes)} " +
                $"({MaxRequestBodyBytes}): a body at the limit could never be read");
        }
        // The decoder needs one 4-byte-per-pixel scratch array for the largest image.
        if (MaxPixelsPerImage > Array.MaxLength / 4)
        {
            throw new ArgumentException($"{nameof(MaxPixelsPerImage)} = {MaxPixelsPerImage} exceeds {Array.MaxLength / 4}, the most one " +
                $"decode buffer can hold");
        }
        if (MaxPixelsPerImage > MaxPixelsPerRequest)
        {
            throw new ArgumentException($"{nameof(MaxPixelsPerImage)} ({MaxPixelsPerImage}) exceeds {nameof(MaxPixelsPerRequest)} " +
                $"({MaxPixelsPerRequest})");
        }
        if (MaxPixelsPerRequest > MaxPixelsInFlight)
        {
            throw new ArgumentException($"{nameof(MaxPixelsPerRequest)} ({MaxPixelsPerRequest}) exceeds {nameof(MaxPixelsInFlight)} " +
                $"({MaxPixelsInFlight})");
        }
        return this;
    }

    private static void Positive(long value, string name)
    {
        if (value < 1) throw new ArgumentException($"{name} must be at least 1, got {value}");
    }
}
