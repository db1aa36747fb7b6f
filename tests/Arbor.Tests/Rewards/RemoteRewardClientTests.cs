using System.Text.Json;
using Arbor.Imaging;
using Arbor.Rewards;

namespace Arbor.Tests.Rewards;

/// <summary>The client against servers it did not write: what it sends, what it retries, what it refuses at once.</summary>
public class RemoteRewardClientTests
{
    private const string ThreeScores = "{\"scores\": [0.5, 1, -2], \"components\": {\"x\": [1, 2, 3]}}";

    private static RewardBatch Batch() =>
        new(Enumerable.Range(0, 3).Select(_ => new Image8(8, 8, 3)).ToList(), ["a", "b", "c"]);

    private static RemoteReward Client(ScriptedHttpServer server, int retries = 3) =>
        new(new RemoteRewardConfig { Url = server.Url, Retries = retries, BackoffSeconds = 0.01, TimeoutSeconds = 5 });

    [Fact]
    public async Task TheBodyGoesWithAContentLengthNotChunked()
    {
        await using var server = new ScriptedHttpServer(_ => (200, ThreeScores));
        using var remote = Client(server);
        var scores = await remote.ScoreAsync(Batch(), TestContext.Current.CancellationToken);
        Assert.Equal([0.5, 1, -2], scores.Scores);
        Assert.Equal([1.0, 2, 3], scores.Components["x"]);
        var request = Assert.Single(server.Requests);
        Assert.StartsWith("POST /score ", request.RequestLine);
        Assert.Equal(request.Body.Length.ToString(), request.Headers["Content-Length"]);
        Assert.False(request.Headers.ContainsKey("Transfer-Encoding"));
        Assert.StartsWith("application/json", request.Headers["Content-Type"]);
        using var json = JsonDocument.Parse(request.Body);
        Assert.Equal(3, json.RootElement.GetProperty("images").GetArrayLength());
        Assert.Equal("b", json.RootElement.GetProperty("prompts")[1].GetString());
    }

    [Fact]
    public async Task A400IsNotRetriedAndItsErrorIsReported()
    {
        await using var server = new ScriptedHttpServer(_ => (400, "{\"error\": \"prompts[1] is empty\"}"));
        using var remote = Client(server);
        var e = await Assert.ThrowsAsync<RewardServerException>(() => remote.ScoreAsync(Batch(), TestContext.Current.CancellationToken));
        Assert.Single(server.Requests);
        Assert.Contains(server.Url, e.Message);
        Assert.Contains("HTTP 400", e.Message);
        Assert.Contains("prompts[1] is empty", e.Message);
    }

    [Fact]
    public async Task A503A429AndA408AreRetriedUntilTheServerAnswers()
    {
        int[] statuses = [503, 429, 408];
        await using var server =
            new ScriptedHttpServer(n => n < statuses.Length ? (statuses[n], "{\"error\": \"busy\"}") : (200, ThreeScores));
        using var remote = Client(server, retries: 3);
        Assert.Equal(3, (await remote.ScoreAsync(Batch(), TestContext.Current.CancellationToken)).Scores.Length);
        Assert.Equal(4, server.Requests.Count);
    }

    [Fact]
    public async Task A503ForeverFailsAfterTheRetriesNamingTheServer()
    {
        await using var server = new ScriptedHttpServer(_ => (503, "{\"error\": \"loading the model\"}"));
        using var remote = Client(server, retries: 2);
        var e = await Assert.ThrowsAsync<RewardServerException>(() => remote.ScoreAsync(Batch(), TestContext.Current.CancellationToken));
        Assert.Equal(3, server.Requests.Count);
        Assert.Contains(server.Url, e.Message);
        Assert.Contains("failed 3 times", e.Message);
        Assert.Contains("loading the model", e.Message);
    }

    public static TheoryData<int, string, string> PermanentAnswers => new()
    {
        { 200, "{\"scores\": [NaN, 1, 2]}", "NaN" },                    // Python's json.dumps of a NaN score
        { 200, "{\"scores\": [\"NaN\", 1, 2]}", "score 0 is NaN" },
        { 200, "{\"scores\": [1, 2, \"Infinity\"]}", "score 2 is Infinity" },
        { 200, "{\"scores\": [1, 2]}", "expected 3, got 2" },
        { 200, "{\"scores\": [1, 2, 3], \"components\": {\"x\": [1]}}", "component 'x' has 1" },
        { 200, "{\"result\": 1}", "without \"scores\"" },
        { 200, "<html>oops</html>", "not the protocol's JSON" },
        { 404, "not found", "HTTP 404" },
        { 413, "{\"error\": \"images[0] is a 40000x40000 png\"}", "images[0] is a 40000x40000 png" },
    };

    [Theory]
    [MemberData(nameof(PermanentAnswers))]
    public async Task APermanentFailureIsReportedAtOnceNamingTheServer(int status, string answer, string fragment)
    {
        await using var server = new ScriptedHttpServer(_ => (status, answer));
        using var remote = Client(server);
        var e = await Assert.ThrowsAsync<RewardServerException>(() => remote.ScoreAsync(Batch(), TestContext.Current.CancellationToken));
        Assert.Single(server.Requests);
        Assert.Contains(server.Url, e.Message);
        Assert.Contains("not retried", e.Message);
        Assert.Contains(fragment, e.Message);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task RetryAfterIsWaitedInsteadOfTheBackoff(int status)
    {
        // backoff 0.01 s: without Retry-After the retry would come within a few milliseconds at most 0.04 s later
        await using var server = new ScriptedHttpServer(n => n == 0 ? (status, "{\"error\": \"slow down\"}") : (200, ThreeScores),
            n => n == 0 ? "Retry-After: 1\r\n" : "");
        using var remote = Client(server);
        Assert.Equal(3, (await remote.ScoreAsync(Batch(), TestContext.Current.CancellationToken)).Scores.Length);
        var requests = server.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        double gap = (requests[1].ArrivedAt - requests[0].ArrivedAt).TotalSeconds;
        Assert.InRange(gap, 0.95, 5.0);   // 1 s after the answer, which came after the arrival (50 ms spared for timer granularity)
    }

    [Fact]
    public async Task ARetryAfterDateIsWaitedUntilAndA500sRetryAfterIsNotAnInstruction()
    {
        // an HTTP date 30 s ahead: waited (to the second the date can say); the same header on a 500 means nothing
        string date = DateTimeOffset.UtcNow.AddSeconds(30).ToString("R");
        int[] statuses = [503, 500];
        await using var server = new ScriptedHttpServer(n => n < 2 ? (statuses[n], "{\"error\": \"busy\"}") : (200, ThreeScores),
            n => n < 2 ? $"Retry-After: {date}\r\n" : "");
        var clock = new InstantDelays();
        // jitter fixed at its middle: a random draw can make retry 1's wait round to zero, which asks the clock for no timer at all
        using var remote = new RemoteReward(
            new RemoteRewardConfig { Url = server.Url, Retries = 3, BackoffSeconds = 0.01, TimeoutSeconds = 5 },
            "remote", clock, () => 0.5);
        Assert.Equal(3, (await remote.ScoreAsync(Batch(), TestContext.Current.CancellationToken)).Scores.Length);
        var waits = clock.Requested.ToArray();
        Assert.Equal(2, waits.Length);
        Assert.InRange(waits[0].TotalSeconds, 28.0, 30.0);
        Assert.InRange(waits[1].TotalSeconds, 0.0, 0.04);   // retry 1's jittered backoff: at most 2 x 0.01 x 2^1
    }

    [Fact]
    public async Task RetryWaitsAreJitteredWithinTheirDocumentedBounds()
    {
        // 5 clients x 8 retries of a 503 with backoff 1 s; the clock fires at once and records each wait
        const int retries = 8;
        var all = new List<TimeSpan[]>();
        for (int client = 0; client < 5; client++)
        {
            await using var server = new ScriptedHttpServer(_ => (503, "{\"error\": \"down\"}"));
            var clock = new InstantDelays();
            // seeded jitter, one seed per client: a draw that rounds a wait to
            // zero asks the clock for no timer, and the count below would flake
            using var remote = new RemoteReward(
                new RemoteRewardConfig { Url = server.Url, Retries = retries, BackoffSeconds = 1, TimeoutSeconds = 5 },
                "remote", clock, new Random(client).NextDouble);
            var e = await Assert.ThrowsAsync<RewardServerException>(() =>
                remote.ScoreAsync(Batch(), TestContext.Current.CancellationToken));
            Assert.Contains($"failed {retries + 1} times", e.Message);
            Assert.Equal(retries + 1, server.Requests.Count);
            all.Add(clock.Requested.ToArray());
        }
        foreach (var waits in all)
        {
            Assert.Equal(retries, waits.Length);
            // retry k waits between 0 and 2 x backoff x 2^k (RemoteRewardRetry)
            for (int k = 0; k < retries; k++) Assert.InRange(waits[k].TotalSeconds, 0.0, 2 * Math.Pow(2, k));
            // jitter: not the plain doubling 1, 2, 4, ...
            Assert.NotEqual(Enumerable.Range(0, retries).Select(k => Math.Pow(2, k)), waits.Select(w => w.TotalSeconds));
        }
        // and clients that failed together do not come back together
        Assert.Equal(all.Count, all.Select(w => string.Join(",", w.Select(x => x.Ticks))).Distinct().Count());
    }

    [Fact]
    public async Task TheHealthCheckIsAGetOfHealthThatPassesOnA200()
    {
        await using var server = new ScriptedHttpServer(_ => (200, "{\"status\": \"ok\", \"reward\": \"x\"}"));
        using var remote = Client(server);
        await remote.CheckHealthAsync(TestContext.Current.CancellationToken);
        Assert.StartsWith("GET /health ", Assert.Single(server.Requests).RequestLine);
    }

    [Fact]
    public async Task AHealthCheckAnswered404FailsAtOnceNamingTheAddressAndTheStatus()
    {
        await using var server = new ScriptedHttpServer(_ => (404, "{\"error\": \"no such path\"}"));
        using var remote = Client(server);
        var e = await Assert.ThrowsAsync<RewardServerException>(() => remote.CheckHealthAsync(TestContext.Current.CancellationToken));
        Assert.Single(server.Requests);
        Assert.Contains($"failed its health check GET {server.Url}/health (not retried): HTTP 404 Scripted: no such path", e.Message);
    }

    [Fact]
    public async Task AHealthCheckOfAClosedPortFailsWithinSecondsSayingTheConnectionWasRefused()
    {
        var url = $"http://127.0.0.1:{Arbor.TestKit.Ports.Free()}";
        using var remote = new RemoteReward(new RemoteRewardConfig { Url = url, Retries = 2, BackoffSeconds = 0.01 });
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<RewardServerException>(() => remote.CheckHealthAsync(TestContext.Current.CancellationToken));
        Assert.True(clock.Elapsed.TotalSeconds < 5, $"took {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Contains($"reward server {url} failed 3 times at GET /health (the health check); last error: Connection refused", e.Message);
    }
}
