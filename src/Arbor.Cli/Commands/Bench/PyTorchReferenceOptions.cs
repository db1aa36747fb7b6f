using System.CommandLine;
using Arbor.Runs;

namespace Arbor.Cli.Commands.Bench;

/// <summary>
/// The options of the benches that time Arbor against a PyTorch reference in rounds (binding, model): both sides run
/// under the same settings, so each option means the same in every such bench.
/// </summary>
internal sealed class PyTorchReferenceOptions(string roundsDescription)
{
    public Option<int> Threads { get; } = new("--threads")
    {
        Description = "libtorch and BLAS threads, for both sides",
        DefaultValueFactory = _ => Environment.ProcessorCount
    };
    public Option<int> Reps { get; } = new("--reps")
    {
        Description = "Timed repetitions per measurement and round",
        DefaultValueFactory = _ => 5
    };
    public Option<int> Rounds { get; } = new("--rounds") { Description = roundsDescription, DefaultValueFactory = _ => 3 };
    public Option<string> Python { get; } = new("--python")
    {
        Description = "Python with PyTorch for the reference; 'none' to skip",
        DefaultValueFactory = _ => "/usr/bin/python3"
    };
    public Option<string?> Out { get; } = new("--out") { Description = "Write the raw samples as JSON here" };

    /// <summary>Adds them ahead of the bench's own options, where its help lists them.</summary>
    public void AddTo(Command command)
    {
        command.Options.Add(Threads);
        command.Options.Add(Reps);
        command.Options.Add(Rounds);
        command.Options.Add(Python);
        command.Options.Add(Out);
    }

    public int RoundCount(ParseResult r) => Math.Max(1, r.GetValue(Rounds));

    /// <summary>
    /// Called before minutes of measurement: a --out file that is not an earlier result of <paramref name="kind"/>
    /// is refused then, not overwritten at the end.
    /// </summary>
    public void CheckCanWriteOut(ParseResult r, OutputKind kind)
    {
        if (r.GetValue(Out) is { } file) OutputGuard.CheckCanWriteFile(file, kind);
    }
}
