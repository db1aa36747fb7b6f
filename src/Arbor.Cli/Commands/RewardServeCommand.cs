using System.CommandLine;
using Arbor.Rewards;
using Spectre.Console;

namespace Arbor.Cli.Commands;

/// <summary>
/// `arbor reward-serve --reward shapes --port N`: the remote-reward protocol's reference server, on 127.0.0.1.
/// The limit options bound what one request may cost (see <see cref="RewardServerLimits"/> for the defaults' reasons).
/// </summary>
public static class RewardServeCommand
{
    public static Command Create()
    {
        var defaults = new RewardServerLimits();
        var reward = new Option<string>("--reward")
        {
            Description = $"Reward to serve: {string.Join(", ", BuiltInRewards.Names)}",
            DefaultValueFactory = _ => "shapes"
        };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0 = any free port)", DefaultValueFactory = _ => 5055 };
        var imagePixels = new Option<long>("--max-image-pixels")
        {
            Description = "Largest image, width x height pixels (413 above)",
            DefaultValueFactory = _ => defaults.MaxPixelsPerImage
        };
        var requestPixels = new Option<long>("--max-request-pixels")
        {
            Description = "Decoded pixels of one request's images together (413 above)",
            DefaultValueFactory = _ => defaults.MaxPixelsPerRequest
        };
        var images = new Option<int>("--max-images")
        {
            Description = "Images in one request (413 above)",
            DefaultValueFactory = _ => defaults.MaxImagesPerRequest
        };
        var bodyBytes = new Option<long>("--max-body-bytes")
        {
            Description = "Bytes of one request body (413 above)",
            DefaultValueFactory = _ => defaults.MaxRequestBodyBytes
        };
        var inFlight = new Option<long>("--max-pixels-in-flight")
        {
            Description = "Decoded pixels held by all concurrent requests (further requests wait)",
            DefaultValueFactory = _ => defaults.MaxPixelsInFlight
        };
        var bodiesInFlight = new Option<long?>("--max-body-bytes-in-flight")
        {
            Description = "Bytes of request bodies read or held by all concurrent requests (further requests wait, then 503); " +
                "default 4 x --max-body-bytes"
        };
        var connections = new Option<int>("--max-connections")
        {
            Description = "Open connections (further ones are closed unanswered)",
            DefaultValueFactory = _ => defaults.MaxConnections
        };
        var cmd = new Command("reward-serve", "Serve a reward over HTTP (POST /score, GET /health) for RL runs and other tools.")
        {
            reward, port, imagePixels, requestPixels, images, bodyBytes, inFlight, bodiesInFlight, connections,
        };
        cmd.SetAction(async (r, _) =>
        {
            Interruption.StopsCleanly("stopping the server", "stopped at once");
            var limits = new RewardServerLimits
            {
                MaxPixelsPerImage = r.GetValue(imagePixels),
                MaxPixelsPerRequest = r.GetValue(requestPixels),
                MaxImagesPerRequest = r.GetValue(images),
                MaxRequestBodyBytes = r.GetValue(bodyBytes),
                MaxPixelsInFlight = r.GetValue(inFlight),
                MaxConnections = r.GetValue(connections),
            };
            if (r.GetValue(bodiesInFlight) is { } bodies) limits = limits with { MaxBodyBytesInFlight = bodies };
            await using var server =
                await RewardServer.StartAsync(BuiltInRewards.Create(r.GetValue(reward)!), r.GetValue(port), limits: limits);
            AnsiConsole.MarkupLine($"serving [bold]{Markup.Escape(r.GetValue(reward)!)}[/] at {server.Url} (POST /score, GET " +
                $"/health); Ctrl+C stops");
            // until Ctrl+C or SIGTERM, the only ways it stops (the host's own signal handling stops the app too; waiting
            // for Interruption's token instead of the host's shutdown means the signal's exit status is known on return)
            try { await Task.Delay(Timeout.Infinite, Interruption.Token); }
            catch (OperationCanceledException) { }
            await Console.Error.WriteLineAsync("reward server stopped");
            return Interruption.ExitCode;
        });
        return cmd;
    }
}
