using System.CommandLine;
using Arbor.Cli.Bench;
using Arbor.Tensors;
using Spectre.Console;

namespace Arbor.Cli.Commands.Bench;

/// <summary>`arbor bench flow-loss`: a model's flow-matching loss per t, to show at which noise levels it is weak.</summary>
internal static class FlowLossBenchCommand
{
    public static Command Create()
    {
        var model = ModelOptions.Model();
        var batches = new Option<int>("--batches") { Description = "Batches of 64 per t", DefaultValueFactory = _ => 4 };
        var cmd = new Command("flow-loss", "Flow-matching loss and implied x̂0 error per t on fresh Shapes data (where a model is weak).")
        {
            model, batches
        };
        cmd.SetAction(r =>
        {
            ThreadDefaults.Apply();
            using var pipeline = ModelOptions.Load(ModelOptions.Resolve(r.GetValue(model)), null);
            var (data, _) =
                Arbor.Worlds.BuiltInWorlds.ForPretraining(new Arbor.Pretraining.PretrainDataConfig(), pipeline.Model.Config.ImageSize);
            var table = new Table().Border(TableBorder.Rounded).AddColumn("t").AddColumn("MSE(v)").AddColumn("RMSE(x̂0) = t·√MSE")
                .AddColumn("in 8-bit levels");
            foreach (var (t, mse, rmse) in FlowLossProbe.Run(pipeline, data, [0.01, 0.03, 0.1, 0.2, 0.4, 0.6, 0.8, 0.95],
                r.GetValue(batches), 64))
            {
                table.AddRow($"{t:F2}", $"{mse:F4}", $"{rmse:F4}", $"{rmse * 127.5:F1}");
            }
            AnsiConsole.Write(table);
            return 0;
        });
        return cmd;
    }
}
