using System.CommandLine;
using Arbor.Rewards;
using Spectre.Console;

namespace Arbor.Cli.Commands;

/// <summary>`arbor reward-serve --reward shapes --port N`: the remote-reward protocol's reference server, on 127.0.0.1.</summary>
public static class RewardServeCommand
{
    public static Command Create()
    {
        var reward = new Option<string>("--reward") { Description = $"Reward to serve: {string.Join(", ", BuiltInRewards.Names)}", DefaultValueFactory = _ => "shapes" };
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0 = any free port)", DefaultValueFactory = _ => 5055 };
        var cmd = new Command("reward-serve", "Serve a reward over HTTP (POST /score, GET /health) for RL runs and other tools.") { reward, port };
        cmd.SetAction(async (r, cancel) =>
        {
            await using var server = await RewardServer.StartAsync(BuiltInRewards.Create(r.GetValue(reward)!), r.GetValue(port));
            AnsiConsole.MarkupLine($"serving [bold]{Markup.Escape(r.GetValue(reward)!)}[/] at {server.Url} (POST /score, GET /health); Ctrl+C stops");
            try { await server.WaitForShutdownAsync(cancel); }
            catch (OperationCanceledException) { }
            return 0;
        });
        return cmd;
    }
}
