using System.Diagnostics;
using System.Net;
using Arbor.Rewards;
using static Arbor.Tests.Rewards.RewardServerTestKit;

namespace Arbor.Tests.Rewards;

/// <summary>One shapes-reward server for the bad-request cases.</summary>
public sealed class ShapesServerFixture : IAsyncLifetime
{
    public RewardServer Server { get; private set; } = null!;
    public async ValueTask InitializeAsync() => Server = await RewardServer.StartAsync(new ShapesReward());
    public async ValueTask DisposeAsync() => await Server.DisposeAsync();
}

/// <summary>The reference server decodes any client's images, refuses bombs from
/// their headers, and answers every mistake with a 4xx naming it.</summary>
public class RewardServerTests(ShapesServerFixture fixture) : IClassFixture<ShapesServerFixture>
{
    private static readonly string Png = Base64Png();

    private static string Request(object images, object prompts, object? metadata = null) =>
        metadata is null ? Json(new { images, prompts }) : Json(new { images, prompts, metadata });

    private static string TruncatedPng()
    {
        var noise = new Arbor.Imaging.Image8(64, 64, 3);
        new Random(5).NextBytes(noise.Pixels);
        var png = Arbor.Imaging.PngEncoder.Encode(noise);
        return Convert.ToBase64String(png[..(png.Length * 6 / 10)]);
    }

    public static TheoryData<string, string, int, string> BadRequests => new()
    {
        { "malformed JSON", "{\"images\": [", 400, "not valid JSON" },
        { "empty body", "", 400, "not valid JSON" },
        { "JSON null", "null", 400, "JSON null" },
        { "no images", "{}", 400, "\"images\" is missing" },
        { "no prompts", Json(new { images = new[] { Png } }), 400, "\"prompts\" is missing" },
        { "length mismatch", Request(new[] { Png, Png }, new[] { "a red circle" }), 400, "\"images\" has 2 entries but \"prompts\" has 1" },
        { "images not an array", "{\"images\": 5, \"prompts\": []}", 400, "$.images" },
        { "null image", Request(new[] { Png, null }, new[] { "a red circle", "a red circle" }), 400, "images[1] is null" },
        { "invalid base64", Request(new[] { Png, "!!not base64!!" }, new[] { "a red circle", "a red circle" }), 400,
            "images[1] is not valid base64" },
        { "not an image", Request(new[] { Png, Convert.ToBase64String("hello, world"u8.ToArray()) },
            new[] { "a red circle", "a red circle" }), 400, "images[1] is not a decodable image" },
        { "truncated PNG", Request(new[] { Png, TruncatedPng() }, new[] { "a red circle", "a red circle" }), 400, "images[1]" },
        { "a GIF", Request(new[] { Png, "R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7" },
            new[] { "a red circle", "a red circle" }), 400, "images[1] is not a decodable image: the image is Gif" },
        { "empty prompt", Request(new[] { Png, Png }, new[] { "a red circle", "" }), 400, "prompts[1] is empty" },
        { "null prompt", Request(new[] { Png, Png }, new[] { "a red circle", null }), 400, "prompts[1] is null" },
        { "unknown word", Request(new[] { Png, Png }, new[] { "a red circle", "a purple wombat" }), 400,
            "prompts[1] was rejected by reward 'shapes'" },
        { "metadata mismatch", Request(new[] { Png }, new[] { "a red circle" }, new[] { new { }, new { } }), 400,
            "\"metadata\" has 2 entries" },
        { "metadata not strings", "{\"images\": [\"" + Png + "\"], \"prompts\": [\"a red circle\"], \"metadata\": [{\"seed\": 3}]}", 400,
            "$.metadata[0].seed" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task EachBadRequestGetsA4xxNamingItsFieldAndTheServerKeepsAnswering(string what, string json, int status, string fragment)
    {
        var (got, body) = await PostAsync(fixture.Server.Url, json);
        Assert.True((int)got == status, $"{what}: expected {status}, got {(int)got}: {body}");
        Assert.Contains(fragment, ErrorOf(body));
        await AssertStillAnsweringAsync(fixture.Server.Url);
    }

    [Fact]
    public async Task Base64WithLineBreaksAndEscapesIsReadAsBefore()
    {
        // The server decodes base64 straight from the JSON: MIME line breaks (Python's base64.encodebytes) and escaped
        // characters (System.Text.Json writes '+' as \u002B) are accepted, as Convert.FromBase64String accepted them.
        var noise = new Arbor.Imaging.Image8(32, 32, 3);
        new Random(3).NextBytes(noise.Pixels);
        var base64 = Convert.ToBase64String(Arbor.Imaging.PngEncoder.Encode(noise), Base64FormattingOptions.InsertLineBreaks);
        Assert.Contains('\n', base64);
        var (status, body) = await PostAsync(fixture.Server.Url, Request(new[] { base64 }, new[] { "a red circle" }));
        Assert.True(status == HttpStatusCode.OK, body);
    }

    [Fact]
    public async Task UnknownPathsAndMethodsGetJsonErrors()
    {
        using var get = await Http.GetAsync(fixture.Server.Url + RemoteRewardProtocol.ScorePath, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, get.StatusCode);
        Assert.Contains("POST /score", ErrorOf(await get.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)));
        using var missing = await Http.GetAsync(fixture.Server.Url + "/nope", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("/nope", ErrorOf(await missing.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task EveryKindOfPngAndJpegReachesTheRewardAsTheExpectedRgb()
    {
        var reward = new CapturingReward();
        await using var server = await RewardServer.StartAsync(reward);
        byte[][] files = [ImageDecodingTests.PalettePng(), ImageDecodingTests.Rgb16Png(), ImageDecodingTests.InterlacedPng(),
                          ImageDecodingTests.GrayAlphaPng(), ImageDecodingTests.Jpeg()];
        var (status, body) =
            await PostAsync(server.Url, Request(files.Select(Convert.ToBase64String).ToArray(), files.Select(_ => "p").ToArray()));
        Assert.True(status == HttpStatusCode.OK, body);
        var images = Assert.Single(reward.Batches).Images;
        Assert.All(images, i => Assert.Equal(3, i.Channels));
        Assert.Equal([0, 255, 0], images[0].Pixel(1, 0).ToArray());         // palette entry 1 (transparent, alpha dropped)
        Assert.Equal([0xAB, 0xCD, 0xEF], images[1].Pixel(1, 1).ToArray());  // 16-bit
        Assert.Equal(ImageDecodingTests.Pattern(8, 9), images[2].Pixel(8, 9).ToArray());   // Adam7
        Assert.Equal([150, 150, 150], images[3].Pixel(1, 1).ToArray());     // gray + alpha
        Assert.InRange(images[4].Get(12, 8, 2), 194, 206);                  // JPEG blue half
    }

    [Fact]
    public async Task ADecompressionBombIsRefusedFromItsHeaderQuicklyAndWithoutMemory()
    {
        await AssertStillAnsweringAsync(fixture.Server.Url);   // warm: the timing below is the refusal alone
        var bomb = Convert.ToBase64String(PngBytes.Bomb(40000, 40000));
        var json = Request(new[] { bomb, bomb, bomb }, new[] { "a red circle", "a red circle", "a red circle" });
        var process = Process.GetCurrentProcess();
        long heap = GC.GetTotalMemory(forceFullCollection: true), workingSet = process.WorkingSet64;
        var clock = Stopwatch.StartNew();
        var (status, body) = await PostAsync(fixture.Server.Url, json);
        clock.Stop();
        process.Refresh();
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        var error = ErrorOf(body);
        Assert.Contains("images[0]", error);
        Assert.Contains("40000x40000", error);
        Assert.Contains("MaxPixelsPerImage", error);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"the refusal took {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.True(GC.GetTotalMemory(false) - heap < 200_000_000, "the managed heap grew by 200 MB");
        Assert.True(process.WorkingSet64 - workingSet < 200_000_000,
            $"the working set grew by {(process.WorkingSet64 - workingSet) / 1e6:0} MB");
        await AssertStillAnsweringAsync(fixture.Server.Url);
    }

    [Fact]
    public async Task ImagesThatTogetherPassTheRequestLimitAreRefusedNamingTheIndex()
    {
        // Five 4096 x 4096 headers: each is allowed alone (16.7 Mpx), four make exactly 64 Mpx, the fifth passes it.
        var big = Convert.ToBase64String(PngBytes.Bomb(4096, 4096));
        var (status, body) = await PostAsync(fixture.Server.Url,
            Request(Enumerable.Repeat(big, 5).ToArray(), Enumerable.Repeat("a red circle", 5).ToArray()));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        var error = ErrorOf(body);
        Assert.Contains("images[0..4]", error);
        Assert.Contains("4096x4096", error);
        Assert.Contains("MaxPixelsPerRequest", error);
    }

    [Fact]
    public async Task TooManyImagesOrTooLargeABodyIs413NamingTheLimit()
    {
        await using var server = await RewardServer.StartAsync(new CapturingReward(),
            limits: new RewardServerLimits { MaxImagesPerRequest = 4, MaxRequestBodyBytes = 20_000 });
        var (status, body) = await PostAsync(server.Url, Request(Enumerable.Repeat(Png, 5).ToArray(), Enumerable.Repeat("p", 5).ToArray()));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("MaxImagesPerRequest", ErrorOf(body));
        (status, body) = await PostAsync(server.Url, Request(new[] { Png }, new[] { new string('x', 30_000) }));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("MaxRequestBodyBytes", ErrorOf(body));
        await AssertStillAnsweringAsync(server.Url);
    }

    [Fact]
    public async Task DecodedPixelsInFlightAreBoundedByTheLimit()
    {
        // Room for one request's pixels at a time: two concurrent requests are scored one after the other.
        var reward = new SlowCountingReward(TimeSpan.FromMilliseconds(300));
        await using var server = await RewardServer.StartAsync(reward, limits: new RewardServerLimits
        {
            MaxPixelsPerImage = 64 * 64, MaxPixelsPerRequest = 64 * 64, MaxPixelsInFlight = 64 * 64,
        });
        var json = Request(new[] { Base64Png(64) }, new[] { "p" });
        var results = await Task.WhenAll(PostAsync(server.Url, json), PostAsync(server.Url, json), PostAsync(server.Url, json));
        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.Equal(1, reward.MostAtOnce);
    }

    /// <summary>A request whose body is <paramref name="side"/>² pixels of noise
    /// as PNG (~4 x side² bytes of base64): incompressible, so large.</summary>
    private static string NoiseRequest(int side, int seed)
    {
        var noise = new Arbor.Imaging.Image8(side, side, 3);
        new Random(seed).NextBytes(noise.Pixels);
        return Request(new[] { Convert.ToBase64String(Arbor.Imaging.PngEncoder.Encode(noise)) }, new[] { "p" });
    }

    [Fact]
    public async Task ManyConcurrentLargeBodiesStayWithinTheBodyBytesInFlightAndAreAllAnswered()
    {
        const long bodyLimit = 3_000_000, inFlight = 6_000_000;
        await using var server = await RewardServer.StartAsync(new SlowCountingReward(TimeSpan.FromMilliseconds(100)),
            limits: new RewardServerLimits { MaxRequestBodyBytes = bodyLimit, MaxBodyBytesInFlight = inFlight });
        var json = NoiseRequest(700, 1);
        Assert.InRange(json.Length, 1_900_000, bodyLimit);   // at most 3 bodies fit at once
        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => PostAsync(server.Url, json)));
        int ok = results.Count(r => r.Status == HttpStatusCode.OK),
            busy = results.Count(r => r.Status == HttpStatusCode.ServiceUnavailable);
        Assert.True(ok + busy == results.Length,
            $"every request is 200 or 503: {string.Join(", ", results.Select(r => (int)r.Status).Distinct())}");
        Assert.True(ok > 0);
        Assert.InRange(server.BodyBytes.Peak, 2L * json.Length, inFlight);   // several were read at once, never more than the bound
        Assert.Equal(0, server.BodyBytes.Held);
        await AssertStillAnsweringAsync(server.Url);
    }

    [Fact]
    public async Task ARequestWhoseBodyBytesAreNotFreeInTimeIs503WithRetryAfter()
    {
        var reward = new SlowCountingReward(TimeSpan.FromSeconds(2));
        await using var server = await RewardServer.StartAsync(reward, limits: new RewardServerLimits
        {
            MaxRequestBodyBytes = 3_000_000, MaxBodyBytesInFlight = 3_000_000, BodyWaitTimeout = TimeSpan.FromMilliseconds(200),
        });
        var json = NoiseRequest(700, 2);
        var first = PostAsync(server.Url, json);
        var watch = Stopwatch.StartNew();
        while (server.BodyBytes.Held == 0 && watch.Elapsed < TimeSpan.FromSeconds(10))
            await Task.Delay(10, TestContext.Current.CancellationToken);
        using var second = await Http.PostAsync(server.Url + RemoteRewardProtocol.ScorePath,
            new StringContent(json, System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, second.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(1), second.Headers.RetryAfter?.Delta);
        Assert.Contains("MaxBodyBytesInFlight", ErrorOf(await second.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)));
        Assert.Equal(HttpStatusCode.OK, (await first).Status);
        Assert.Equal(0, server.BodyBytes.Held);
    }

    [Fact]
    public async Task ABugInTheRewardIsA500WithAMessageAndTheServerKeepsAnswering()
    {
        bool broken = true;
        await using var server = await RewardServer.StartAsync(new BrokenReward(b => broken
            ? throw new InvalidOperationException("the model fell over")
            : RewardScores.Of(new double[b.Count])));
        var (status, body) = await PostAsync(server.Url, Request(new[] { Png }, new[] { "p" }));
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("the model fell over", ErrorOf(body));
        broken = false;
        await AssertStillAnsweringAsync(server.Url);
    }

    [Fact]
    public async Task ARewardAnsweringNaNOrTheWrongCountIsA500NamingIt()
    {
        await using var nan = await RewardServer.StartAsync(new BrokenReward(b => RewardScores.Of([double.NaN])));
        var (status, body) = await PostAsync(nan.Url, Request(new[] { Png }, new[] { "p" }));
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("NaN for images[0]", ErrorOf(body));
        await using var few = await RewardServer.StartAsync(new BrokenReward(b => RewardScores.Of([1.0])));
        (status, body) = await PostAsync(few.Url, Request(new[] { Png, Png }, new[] { "p", "p" }));
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Contains("1 scores for 2 images", ErrorOf(body));
    }

    [Fact]
    public void InconsistentLimitsAreRefusedNamingTheLimit()
    {
        Assert.Contains("MaxImagesPerRequest",
            Assert.Throws<ArgumentException>(() => new RewardServerLimits { MaxImagesPerRequest = 0 }.Validate()).Message);
        Assert.Contains("MaxPixelsInFlight",
            Assert.Throws<ArgumentException>(() => new RewardServerLimits { MaxPixelsInFlight = 1000 }.Validate()).Message);
        Assert.Contains("MaxBodyBytesInFlight",
            Assert.Throws<ArgumentException>(() => new RewardServerLimits { MaxBodyBytesInFlight = 1000 }.Validate()).Message);
        Assert.Contains("MaxConnections",
            Assert.Throws<ArgumentException>(() => new RewardServerLimits { MaxConnections = 0 }.Validate()).Message);
        Assert.Equal(4, new RewardServerLimits().Validate().ConcurrentRequests);
        Assert.Equal(4 * 64L * 1024 * 1024, new RewardServerLimits().MaxBodyBytesInFlight);
        Assert.Equal(40_000_000, new RewardServerLimits { MaxRequestBodyBytes = 10_000_000 }.MaxBodyBytesInFlight);   // derived unless set
    }
}
