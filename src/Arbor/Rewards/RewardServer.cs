using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Arbor.Rewards;

/// <summary>
/// The reference server of <see cref="RemoteRewardProtocol"/> (`arbor reward-serve`): any
/// <see cref="IRewardFunction"/> behind an ASP.NET Core minimal API, bound to loopback.
/// Any client may call it, so every request is checked before it costs anything: a client error is a 4xx with
/// <c>{"error": "..."}</c> naming the field and index at fault (413 for a request over
/// <see cref="RewardServerLimits"/>), and a 500 means a bug in the server or the reward, logged to stderr with
/// its stack trace.
/// </summary>
public sealed class RewardServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ScoreEndpoint _endpoint;

    private RewardServer(WebApplication app, ScoreEndpoint endpoint)
    {
        _app = app;
        _endpoint = endpoint;
    }

    public string Url => _app.Urls.First();

    /// <summary>The request bodies' bytes admitted
    /// (<see cref="RewardServerLimits.MaxBodyBytesInFlight"/>): now and at most so far (tests).</summary>
    internal ByteBudget BodyBytes => _endpoint.BodyBytes;

    /// <summary>Starts serving <paramref name="reward"/> on 127.0.0.1:<paramref name="port"/> (0 = any free port).</summary>
    /// <param name="artificialDelay">Waited before decoding each request (tests of slow servers).</param>
    /// <param name="limits">What one request may cost; null = the documented defaults of <see cref="RewardServerLimits"/>.</param>
    public static async Task<RewardServer> StartAsync(IRewardFunction reward, int port = 0, TimeSpan? artificialDelay = null,
        RewardServerLimits? limits = null)
    {
        limits = (limits ?? new RewardServerLimits()).Validate();
        var builder = WebApplication.CreateSlimBuilder();
        // Only warnings and errors are logged, on stderr: a 500 is a bug, and its stack trace must be seen.
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddSimpleConsole();
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Warning);
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        // Kestrel stops reading at the limit (and refuses a larger Content-Length outright); its minimum data
        // rate, on by default, drops a client that trickles its body to hold a connection. Each open connection may
        // hold Kestrel's read-ahead buffer (1 MiB), so their number is bounded too; no endpoint upgrades a connection.
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Limits.MaxRequestBodySize = limits.MaxRequestBodyBytes;
            k.Limits.MaxConcurrentConnections = limits.MaxConnections;
            k.Limits.MaxConcurrentUpgradedConnections = 0;
        });
        var app = builder.Build();
        // 404, 405 and any other bodiless error get a JSON message too.
        app.UseStatusCodePages(context => context.HttpContext.Response.WriteAsJsonAsync(new
        {
            error = $"HTTP {context.HttpContext.Response.StatusCode} for {context.HttpContext.Request.Method} " +
                $"{context.HttpContext.Request.Path}: " +
                    $"the server answers POST {RemoteRewardProtocol.ScorePath} and GET {RemoteRewardProtocol.HealthPath}",
        }));
        var endpoint = new ScoreEndpoint(reward, limits, artificialDelay, app.Logger);
        app.MapGet(RemoteRewardProtocol.HealthPath, () => Results.Json(new { status = "ok", reward = reward.Name }));
        // A Func, not a RequestDelegate, so the IResult it returns is written to the response.
        Func<HttpContext, Task<IResult>> score = endpoint.HandleAsync;
        app.MapPost(RemoteRewardProtocol.ScorePath, score);
        await app.StartAsync();
        return new RewardServer(app, endpoint);
    }

    public Task WaitForShutdownAsync(CancellationToken cancel) => _app.WaitForShutdownAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// POST /score: admit, parse, check, decode, score, in that order, so that a bad or oversized request is refused
/// before it allocates: a body is read only once its bytes fit <see cref="RewardServerLimits.MaxBodyBytesInFlight"/>,
/// dimensions come from the image headers and are checked against the limits before any pixel is decoded, and decoded
/// pixels are held only under a slot of <see cref="RewardServerLimits.ConcurrentRequests"/> and reclaimed before the
/// slot passes on (<see cref="DecodedImageReclaimer"/>).
/// </summary>
internal sealed class ScoreEndpoint(IRewardFunction reward, RewardServerLimits limits, TimeSpan? artificialDelay, ILogger log)
{
    private readonly SemaphoreSlim _decodeSlots = new(limits.ConcurrentRequests, limits.ConcurrentRequests);
    private readonly DecodedImageReclaimer _reclaimer = new(limits.MaxPixelsPerRequest * 3);

    public ByteBudget BodyBytes { get; } = new(limits.MaxBodyBytesInFlight);

    /// <summary>A client's mistake: answered with <see cref="Status"/> and the message, never logged.</summary>
    private sealed class Rejected(int status, string message) : Exception(message)
    {
        public int Status { get; } = status;
    }

    public async Task<IResult> HandleAsync(HttpContext http)
    {
        var cancel = http.RequestAborted;
        try
        {
            return await AdmitAndScoreAsync(http, cancel);
        }
        catch (Rejected e)
        {
            return Error(e.Status, e.Message);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return Results.Empty;   // the client went away; nobody reads an answer
        }
        catch (Exception e)
        {
            log.LogError(e, "POST {Path} failed in reward {Reward}", RemoteRewardProtocol.ScorePath, reward.Name);
            return Error(StatusCodes.Status500InternalServerError,
                $"internal error in the reward server ({e.GetType().Name}: {e.Message}); the server log has the stack trace");
        }
    }

    private static IResult Error(int status, string message) => Results.Json(new { error = message }, statusCode: status);

    /// <summary>
    /// Reads the body only once its bytes fit <see cref="RewardServerLimits.MaxBodyBytesInFlight"/>, so the bodies in
    /// memory do not grow with the open connections; until then the body waits in the client's socket and Kestrel's
    /// 1 MiB buffer. A request that does not get its bytes within <see cref="RewardServerLimits.BodyWaitTimeout"/> is
    /// answered 503 with Retry-After (why wait, and why not longer: <see cref="RewardServerLimits.BodyWaitTimeout"/>).
    /// </summary>
    private async Task<IResult> AdmitAndScoreAsync(HttpContext http, CancellationToken cancel)
    {
        // A chunked body's length is unknown until read: it takes the most it may be.
        // Either refusal below leaves the body unread, so the connection cannot carry another request: saying so
        // keeps the client from sending its next request on a connection Kestrel is about to close.
        long bytes = http.Request.ContentLength ?? limits.MaxRequestBodyBytes;
        if (bytes > limits.MaxRequestBodyBytes)
        {
            http.Response.Headers.Connection = "close";
            throw BodyTooLarge();
        }

        if (!await BodyBytes.TryTakeAsync(bytes, limits.BodyWaitTimeout, cancel))
        {
            http.Response.Headers.Connection = "close";
            http.Response.Headers.RetryAfter = "1";
            return Error(StatusCodes.Status503ServiceUnavailable,
                $"the server is busy: the request's {bytes} body bytes did not fit in {limits.MaxBodyBytesInFlight} bytes in flight " +
                $"(MaxBodyBytesInFlight) within {limits.BodyWaitTimeout.TotalSeconds:0.###} s; retry");
        }

        try
        {
            return await ScoreAsync(http.Request, cancel);
        }
        finally
        {
            // The body's images' bytes are garbage now too: counted toward the next collection like decoded images.
            _reclaimer.Released(bytes);
            BodyBytes.Release(bytes);
        }
    }

    private Rejected BodyTooLarge() =>
        new(413, $"the request body is over the limit of {limits.MaxRequestBodyBytes} bytes (MaxRequestBodyBytes)");

    private async Task<IResult> ScoreAsync(HttpRequest http, CancellationToken cancel)
    {
        var request = await ReadAsync(http, cancel);
        int n = Validate(request);
        long pixels = ProbeImages(request.Images!);
        if (artificialDelay is { } delay) await Task.Delay(delay, cancel);

        // Everything that scales with pixels (decoding, the reward's working memory, the images themselves) happens
        // under one slot, so the decoded bytes in flight never exceed MaxPixelsInFlight.
        await _decodeSlots.WaitAsync(cancel);
        try
        {
            return await DecodeAndScoreAsync(request, n, cancel);
        }
        finally
        {
            // The images lived only in DecodeAndScoreAsync and the answer holds only scores, so unless the reward kept
            // them they are garbage now: reclaimed before the slot passes to the next request.
            _reclaimer.Released(pixels * 3);
            _decodeSlots.Release();
        }
    }

    private async Task<IResult> DecodeAndScoreAsync(ScoreRequestBody request, int n, CancellationToken cancel)
    {
        var encoded = request.Images!;
        var images = new Imaging.Image8[n];
        for (int i = 0; i < n; i++)
        {
            try { images[i] = Imaging.ImageDecoding.DecodeRgb(encoded[i], limits.MaxPixelsPerImage); }
            catch (InvalidDataException e) { throw new Rejected(400, $"images[{i}] could not be decoded: {e.Message}"); }
            encoded[i] = null;   // the file's bytes are not needed once decoded
        }

        var metadata = request.Metadata?.Select(m => (IReadOnlyDictionary<string, string>)(m ?? [])).ToList();
        var batch = new RewardBatch(images, request.Prompts!, metadata);
        RewardScores scores;
        try { scores = await reward.ScoreAsync(batch, cancel); }
        catch (Exception e) when (e is ArgumentException or Shapes.PromptParseException && !cancel.IsCancellationRequested)
        {
            int at = e is Shapes.PromptParseException p ? Array.IndexOf(request.Prompts!, p.Prompt) : -1;
            throw new Rejected(400, (at >= 0 ? $"prompts[{at}] was rejected by reward '{reward.Name}': "
                : $"reward '{reward.Name}' rejected the request: ") + e.Message);
        }

        CheckScores(scores, n);
        return Results.Json(new ScoreResponse(scores.Scores, scores.Components.ToDictionary(kv => kv.Key, kv => kv.Value)),
            RemoteRewardProtocol.Json);
    }

    /// <summary>
    /// The body, read here rather than bound by the minimal API, which answers bad JSON with an empty 400; the images'
    /// base64 is decoded as it is read (<see cref="ScoreRequestBody"/>).
    /// </summary>
    private async Task<ScoreRequestBody> ReadAsync(HttpRequest http, CancellationToken cancel)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<ScoreRequestBody>(http.Body, cancellationToken: cancel)
                   ?? throw new Rejected(400, "the body is JSON null; expected an object {\"images\": [...], \"prompts\": [...]}");
        }
        catch (InvalidBase64ImageException e)
        {
            throw new Rejected(400, e.Message);
        }
        catch (JsonException e)
        {
            throw new Rejected(400, $"the body is not valid JSON for the score request: {e.Message}");
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw BodyTooLarge();
        }
        catch (BadHttpRequestException e)
        {
            throw new Rejected(e.StatusCode, $"the request body could not be read: {e.Message}");
        }
    }

    /// <summary>Checks the fields that need no decoding; returns the number of images.</summary>
    private int Validate(ScoreRequestBody request)
    {
        if (request.Images is null) throw new Rejected(400, "field \"images\" is missing: expected an array of base64 PNG or JPEG strings");
        if (request.Prompts is null) throw new Rejected(400, "field \"prompts\" is missing: expected an array of strings, one per image");
        int n = request.Images.Length;
        if (request.Prompts.Length != n)
        {
            throw new Rejected(400,
                $"field \"images\" has {n} entries but \"prompts\" has {request.Prompts.Length}; they must match one to one");
        }
        if (n > limits.MaxImagesPerRequest)
        {
            throw new Rejected(413,
                $"field \"images\" has {n} entries, over the limit of {limits.MaxImagesPerRequest} per request (MaxImagesPerRequest)");
        }
        if (request.Metadata is { } metadata && metadata.Length != n)
            throw new Rejected(400, $"field \"metadata\" has {metadata.Length} entries but \"images\" has {n}; they must match one to one");
        for (int i = 0; i < n; i++)
        {
            if (string.IsNullOrWhiteSpace(request.Prompts[i]))
                throw new Rejected(400, $"prompts[{i}] is {(request.Prompts[i] is null ? "null" : "empty")}: every image needs its prompt");
        }

        return n;
    }

    /// <summary>Reads every image's header; refuses the request before any pixel is decoded. Returns the pixels of all images.</summary>
    private long ProbeImages(byte[]?[] encoded)
    {
        long total = 0;
        for (int i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] is null) throw new Rejected(400, $"images[{i}] is null: expected a base64 PNG or JPEG string");
            Imaging.EncodedImageInfo info;
            try { info = Imaging.ImageDecoding.Probe(encoded[i]); }
            catch (InvalidDataException e) { throw new Rejected(400, $"images[{i}] is not a decodable image: {e.Message}"); }
            if (info.Pixels > limits.MaxPixelsPerImage)
            {
                throw new Rejected(413, $"images[{i}] is a {info.Width}x{info.Height} {info.Format} ({info.Pixels} pixels), " +
                                        $"over the limit of {limits.MaxPixelsPerImage} pixels per image (MaxPixelsPerImage)");
            }

            total += info.Pixels;
            if (total > limits.MaxPixelsPerRequest)
            {
                throw new Rejected(413, $"images[0..{i}] come to {total} pixels with images[{i}] ({info.Width}x{info.Height}), " +
                                        $"over the limit of {limits.MaxPixelsPerRequest} pixels per request (MaxPixelsPerRequest)");
            }
        }

        return total;
    }

    /// <summary>A reward that answers the wrong count or a non-finite score has a bug: a 500, logged.</summary>
    private void CheckScores(RewardScores scores, int n)
    {
        if (scores.Scores is null || scores.Scores.Length != n)
            throw new InvalidOperationException($"reward '{reward.Name}' returned {scores.Scores?.Length ?? 0} scores for {n} images");
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(scores.Scores[i]))
                throw new InvalidOperationException($"reward '{reward.Name}' returned score {scores.Scores[i]} for images[{i}]");
        }

        // Components may be NaN (they are only logged); RemoteRewardProtocol.Json writes them as "NaN".
        foreach (var (name, values) in scores.Components)
        {
            if (values is null || values.Length != n)
            {
                throw new InvalidOperationException($"reward '{reward.Name}' returned {values?.Length ?? 0} values of component " +
                    $"'{name}' for {n} images");
            }
        }
    }
}
