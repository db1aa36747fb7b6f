using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Arbor.Imaging;
using Arbor.Rewards;

namespace Arbor.Cli.Tests;

/// <summary>
/// The memory of a real `arbor reward-serve` process (its peak resident set, VmHWM, from /proc) under the fault probe's
/// decompression bomb and under a burst of the largest requests its limits allow. Each test writes its measurement to
/// the test output (docs/RELIABILITY.md reports them).
/// </summary>
public class RewardServeMemoryTests
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromMinutes(5) };

    // a zero-filled 4000x4000 PNG, 48 MB of RGB once decoded: the image of the fault probe's request
    private static readonly Lazy<string> Zeros = new(() => Convert.ToBase64String(PngEncoder.Encode(new Image8(4000, 4000, 3))));

    [Fact]
    public async Task TheProbesBombRequestIsRefusedWithoutRaisingTheServersPeakRss()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await Server.StartAsync(ct);
        // 40 such PNGs, a 2.5 MB body and 640 Mpx decoded: before the limits it drove the server to 8.65 GB
        var bomb = Body(Enumerable.Repeat(Zeros.Value, 40));
        long idle = server.PeakRss();

        var clock = Stopwatch.StartNew();
        var (status, body) = await Post(server.Url, bomb, ct);
        var refusal = clock.Elapsed;
        long after = server.PeakRss();

        TestContext.Current.TestOutputHelper!.WriteLine($"reward-serve peak RSS: idle {idle / 1e6:F0} MB, after the bomb ({bomb.Length / 1e6:F1} MB body, " +
            $"413 in {refusal.TotalMilliseconds:F0} ms) {after / 1e6:F0} MB");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Contains("MaxPixelsPerRequest", body);
        Assert.True(after - idle < 100_000_000, $"the bomb raised the peak RSS by {(after - idle) / 1e6:F0} MB");
    }

    /// <summary>
    /// 8 concurrent requests of 4 such images (64 Mpx each, the request limit), so 4 hold slots and 4 wait. Before the
    /// fix this took the peak RSS from 79 MB to 6.05-6.45 GB; the bound is derived from the default limits
    /// (docs/RELIABILITY.md). About 25 s on the 2-core dev machine.
    /// </summary>
    [Fact]
    public async Task ABurstOfTheLargestAllowedRequestsStaysWithinTheInFlightBound()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await Server.StartAsync(ct);
        var body = Body(Enumerable.Repeat(Zeros.Value, 4));
        long idle = server.PeakRss();

        var clock = Stopwatch.StartNew();
        var burst = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Post(server.Url, body, ct)));
        long after = server.PeakRss();

        var limits = new RewardServerLimits();
        long inFlight = limits.MaxPixelsInFlight * 3;                                // the images of the requests holding slots (RGB)
        long working = limits.ConcurrentRequests * limits.MaxPixelsPerImage * 5;     // per slot, one image's decode buffer (4 B/px) or the verifier's labels (5 B/px)
        long dead = 2 * limits.MaxPixelsPerRequest * 3;                              // answered requests' images awaiting the collection
        long bodies = 8L * body.Length * 2;                                          // each body read, and its images' bytes
        const long runtime = 100_000_000;                                           // heaps, stacks and allocator arenas of 12 busy threads
        long bound = inFlight + working + dead + bodies + runtime;
        TestContext.Current.TestOutputHelper!.WriteLine($"reward-serve peak RSS: idle {idle / 1e6:F0} MB, after 8 concurrent 64-Mpx requests " +
            $"({clock.Elapsed.TotalSeconds:F1} s) {after / 1e6:F0} MB; bound on the rise {bound / 1e6:F0} MB");
        Assert.All(burst, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.True(after - idle < bound, $"the burst raised the peak RSS by {(after - idle) / 1e6:F0} MB, over the bound of {bound / 1e6:F0} MB");
    }

    private static string Body(IEnumerable<string> images)
    {
        var list = images.ToArray();
        return JsonSerializer.Serialize(new ScoreRequest(list, [.. list.Select(_ => "a red circle")], null));
    }

    private static async Task<(HttpStatusCode Status, string Body)> Post(string url, string json, CancellationToken ct)
    {
        using var response = await Http.PostAsync(url + RemoteRewardProtocol.ScorePath, new StringContent(json, Encoding.UTF8, "application/json"), ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(ct));
    }

    /// <summary>`arbor reward-serve --port 0`, answering (one small request scored, so the idle figure includes a warm server).</summary>
    private sealed class Server(Process process, string url) : IAsyncDisposable
    {
        public string Url { get; } = url;

        public static async Task<Server> StartAsync(CancellationToken ct)
        {
            var process = Process.Start(ArborProcess.ArborCommand("reward-serve", "--port", "0"))!;
            var url = (await process.StandardOutput.ReadLineAsync(ct))!.Split(" at ")[1].Split(' ')[0];
            var small = Convert.ToBase64String(PngEncoder.Encode(new Image8(64, 64, 3)));
            Assert.Equal(HttpStatusCode.OK, (await Post(url, Body([small]), ct)).Status);
            return new Server(process, url);
        }

        /// <summary>The process's peak resident set so far (VmHWM), in bytes.</summary>
        public long PeakRss()
        {
            var line = File.ReadLines($"/proc/{process.Id}/status").First(l => l.StartsWith("VmHWM:"));
            return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0]) * 1024;
        }

        public async ValueTask DisposeAsync()
        {
            process.Kill();
            await process.WaitForExitAsync();
            process.Dispose();
        }
    }
}
