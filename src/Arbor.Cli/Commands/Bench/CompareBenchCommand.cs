using System.CommandLine;
using Arbor.Cli.Bench;

namespace Arbor.Cli.Commands.Bench;

/// <summary>`arbor bench compare A B`: two runs' held-out evaluations, paired prompt by prompt (<see cref="RunComparison"/>).</summary>
internal static class CompareBenchCommand
{
    public static Command Create()
    {
        var a = new Argument<string>("a")
        {
            Description = "Run A: a run directory, a `bench strategies` output holding one run, or a metrics.jsonl(.gz)"
        };
        var b = new Argument<string>("b") { Description = "Run B, the same kinds" };
        var atA = new Option<long?>("--iteration-a") { Description = "A's evaluation at this iteration (default: its last)" };
        var atB = new Option<long?>("--iteration-b") { Description = "B's evaluation at this iteration (default: its last)" };
        var cmd = new Command("compare",
            "Two runs' held-out evaluations paired prompt by prompt: B − A per set and family, 95 % interval, exact McNemar p.")
            { a, b, atA, atB };
        cmd.SetAction(r =>
        {
            var (_, text) = RunComparison.Between(RunComparison.Read(r.GetValue(a)!, r.GetValue(atA)),
                RunComparison.Read(r.GetValue(b)!, r.GetValue(atB)));
            Console.Write(text);
            return 0;
        });
        return cmd;
    }
}
