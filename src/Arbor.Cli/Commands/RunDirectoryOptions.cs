using System.CommandLine;

namespace Arbor.Cli.Commands;

/// <summary>Options of the commands that write a resumable run directory (pretrain, train): one meaning, worded once.</summary>
public static class RunDirectoryOptions
{
    public static Option<bool> Resume() => new("--resume") { Description = "Continue from the run directory's checkpoint" };

    public static Option<bool> Overwrite() => new("--overwrite")
    {
        Description = "Replace the run already in --out (without it, an existing run is refused unless --resume)"
    };
}
