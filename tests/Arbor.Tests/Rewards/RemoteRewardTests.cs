using Arbor.Imaging;
using Arbor.Rewards;

namespace Arbor.Tests.Rewards;

public class RemoteRewardTests
{
    private static RewardBatch Batch()
    {
        var rng = new Random(1);
        var images = Enumerable.Range(0, 3).Select(i =>
        {
            var img = new Image8(16, 16, 3);
            if (i > 0) rng.NextBytes(img.Pixels);   // one flat image, two noisy ones
            return img;
        }).ToList();
        return new RewardBatch(images, ["a", "b", "c"]);
    }

    [Fact]
    public async Task RoundTripThroughTheReferenceServerEqualsTheLocalReward()
    {
        var local = new JpegCompressibilityReward();
        await using var server = await RewardServer.StartAsync(local);
        using var remote = new RemoteReward(new RemoteRewardConfig { Url = server.Url });
        var batch = Batch();
        var expected = await local.ScoreAsync(batch, TestContext.Current.CancellationToken);
        var got = await remote.ScoreAsync(batch, TestContext.Current.CancellationToken);
        Assert.Equal(expected.Scores, got.Scores);
        Assert.Equal(expected.Components["jpeg_kb"], got.Components["jpeg_kb"]);
        Assert.True(got.Scores[0] > got.Scores[1], "a flat image compresses better than noise");
    }

    [Fact]
    public async Task AServerThatIsDownIsRetriedThenFailsNamingIt()
    {
        var url = $"http://127.0.0.1:{Arbor.TestKit.Ports.Free()}";
        var clock = new InstantDelays();
        // fixed jitter: a zero wait would start no timer
        using var remote = new RemoteReward(new RemoteRewardConfig { Url = url, Retries = 2, BackoffSeconds = 0.05, TimeoutSeconds = 2 },
            "remote", clock, () => 0.5);
        var e = await Assert.ThrowsAsync<RewardServerException>(() => remote.ScoreAsync(Batch(), TestContext.Current.CancellationToken));
        Assert.Contains($"reward server {url} failed 3 times at POST /score; last error: Connection refused", e.Message);
        // a refused connection is transient: both retries waited their backoff first
        Assert.Equal(2, clock.Requested.Count);
    }

    [Fact]
    public async Task ASlowServerTimesOutClearlyAndAPatientClientSucceeds()
    {
        await using var server = await RewardServer.StartAsync(new JpegCompressibilityReward(), artificialDelay: TimeSpan.FromSeconds(1.5));
        using var impatient =
            new RemoteReward(new RemoteRewardConfig { Url = server.Url, TimeoutSeconds = 0.3, Retries = 1, BackoffSeconds = 0.01 });
        var e = await Assert.ThrowsAsync<RewardServerException>(() => impatient.ScoreAsync(Batch(), TestContext.Current.CancellationToken));
        Assert.Contains("no answer within 0.3 s", e.Message);
        using var patient = new RemoteReward(new RemoteRewardConfig { Url = server.Url, TimeoutSeconds = 10 });
        Assert.Equal(3, (await patient.ScoreAsync(Batch(), TestContext.Current.CancellationToken)).Scores.Length);
    }

    [Fact]
    public async Task JpegRewardsHaveOppositeSignsAndMeasureKilobytes()
    {
        var batch = Batch();
        var c = await new JpegCompressibilityReward().ScoreAsync(batch, TestContext.Current.CancellationToken);
        var i = await new JpegCompressibilityReward(incompressible: true).ScoreAsync(batch, TestContext.Current.CancellationToken);
        Assert.Equal(c.Scores.Select(s => -s).ToArray(), i.Scores);
        Assert.All(c.Components["jpeg_kb"], kb => Assert.InRange(kb, 0.1, 5));
    }
}
