using System.Net;
using System.Text;
using System.Text.Json;
using Arbor.Imaging;
using Arbor.Rewards;

namespace Arbor.Tests.Rewards;

/// <summary>Raw requests to a reward server, as a client in any language would send them.</summary>
internal static class RewardServerTestKit
{
    public static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    public static string Base64Png(int size = 32) => Convert.ToBase64String(PngEncoder.Encode(new Image8(size, size, 3)));

    public static string Json(object body) => JsonSerializer.Serialize(body);

    /// <summary>POSTs <paramref name="json"/> to /score; the status and the body.</summary>
    public static async Task<(HttpStatusCode Status, string Body)> PostAsync(string url, string json)
    {
        using var response =
            await Http.PostAsync(url + RemoteRewardProtocol.ScorePath, new StringContent(json, Encoding.UTF8, "application/json"));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    /// <summary>The "error" string of a JSON error body; fails the test when the body is not one.</summary>
    public static string ErrorOf(string body)
    {
        using var doc = JsonDocument.Parse(body);
        return doc.RootElement.GetProperty("error").GetString()!;
    }

    /// <summary>A well-formed request scores 200: the server is still answering.</summary>
    public static async Task AssertStillAnsweringAsync(string url)
    {
        var (status, body) = await PostAsync(url, Json(new { images = new[] { Base64Png() }, prompts = new[] { "a red circle" } }));
        Assert.True(status == HttpStatusCode.OK, $"a good request got {(int)status}: {body}");
    }
}

/// <summary>Records every batch it scores; all scores 1.</summary>
internal sealed class CapturingReward : IRewardFunction
{
    public List<RewardBatch> Batches { get; } = [];
    public string Name => "capture";

    public Task<RewardScores> ScoreAsync(RewardBatch batch, CancellationToken cancel = default)
    {
        lock (Batches) Batches.Add(batch);
        return Task.FromResult(RewardScores.Of(Enumerable.Repeat(1.0, batch.Count).ToArray()));
    }
}

/// <summary>A reward with a bug of the chosen kind.</summary>
internal sealed class BrokenReward(Func<RewardBatch, RewardScores> score) : IRewardFunction
{
    public string Name => "broken";
    public Task<RewardScores> ScoreAsync(RewardBatch batch, CancellationToken cancel = default) => Task.FromResult(score(batch));
}

/// <summary>Takes <paramref name="delay"/> per batch and records how many batches it held at once.</summary>
internal sealed class SlowCountingReward(TimeSpan delay) : IRewardFunction
{
    private int _now;
    public int MostAtOnce;
    public string Name => "slow";

    public async Task<RewardScores> ScoreAsync(RewardBatch batch, CancellationToken cancel = default)
    {
        int now = Interlocked.Increment(ref _now);
        lock (this) MostAtOnce = Math.Max(MostAtOnce, now);
        await Task.Delay(delay, cancel);
        Interlocked.Decrement(ref _now);
        return RewardScores.Of(new double[batch.Count]);
    }
}
