using Arbor.Imaging;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Arbor.Rewards;

/// <summary>
/// The reference server of <see cref="RemoteRewardProtocol"/> (`arbor reward-serve`): any
/// <see cref="IRewardFunction"/> behind an ASP.NET Core minimal API, bound to loopback.
/// </summary>
public sealed class RewardServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RewardServer(WebApplication app) => _app = app;

    public string Url => _app.Urls.First();

    /// <summary>Starts serving <paramref name="reward"/> on 127.0.0.1:<paramref name="port"/> (0 = any free port).</summary>
    public static async Task<RewardServer> StartAsync(IRewardFunction reward, int port = 0, TimeSpan? artificialDelay = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        app.MapGet(RemoteRewardProtocol.HealthPath, () => Results.Json(new { status = "ok", reward = reward.Name }));
        app.MapPost(RemoteRewardProtocol.ScorePath, async (ScoreRequest request, CancellationToken cancel) =>
        {
            if (request.Images is null || request.Prompts is null || request.Images.Length != request.Prompts.Length)
                return Results.BadRequest(new { error = "images and prompts must be arrays of the same length" });
            if (artificialDelay is { } delay) await Task.Delay(delay, cancel);
            Image8[] images;
            try { images = request.Images.Select(b => PngDecoder.Read(Convert.FromBase64String(b))).ToArray(); }
            catch (Exception e) when (e is FormatException or InvalidDataException)
            {
                return Results.BadRequest(new { error = "an image is not a base64 PNG: " + e.Message });
            }
            var metadata = request.Metadata?.Select(m => (IReadOnlyDictionary<string, string>)m).ToList();
            var scores = await reward.ScoreAsync(new RewardBatch(images, request.Prompts, metadata), cancel);
            return Results.Json(new ScoreResponse(scores.Scores, scores.Components.ToDictionary(kv => kv.Key, kv => kv.Value)));
        });
        await app.StartAsync();
        var server = new RewardServer(app);
        return server;
    }

    public Task WaitForShutdownAsync(CancellationToken cancel) => _app.WaitForShutdownAsync(cancel);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
