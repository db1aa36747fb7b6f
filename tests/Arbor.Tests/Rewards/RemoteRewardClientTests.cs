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
        await using var server = new ScriptedHttpServer(n => n < statuses.Length ? (statuses[n], "{\"error\": \"busy\"}") : (200, ThreeScores));
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
}
