using System.Text.RegularExpressions;

namespace Arbor.Runs;

/// <summary>
/// The run directories of <c>arbor train</c> and <c>arbor pretrain</c> (and the RL runs of <c>demo</c> and
/// <c>bench strategies</c>) under <see cref="OutputGuard"/>'s rule: a run is continued only with <c>--resume</c>
/// and only by its own trainer, replaced only with <c>--overwrite</c> (or by the commands that always start over),
/// anything else is refused, and one process at a time writes it (<see cref="RunLock"/>).
/// </summary>
public static class RunDirectory
{
    /// <summary>The files both trainers write first: a directory with both is an Arbor run.</summary>
    public static readonly string[] Marks = ["config.yaml", "metrics.jsonl"];

    /// <summary>An RL post-training run (<c>train</c>, <c>demo</c>, a run of
    /// <c>bench strategies</c>): its config.yaml sets <c>strategy</c>.</summary>
    public static readonly OutputKind Rl = Kind("an Arbor RL run directory", "strategy");

    /// <summary>A pretraining run (<c>pretrain</c>): its config.yaml sets <c>data</c>, which no RL config has.</summary>
    public static readonly OutputKind Pretraining = Kind("an Arbor pretraining run directory", "data");

    /// <summary>Whether <paramref name="path"/> is a directory Arbor wrote as a run, of either kind.</summary>
    public static bool IsRun(string path) => Directory.Exists(path) && Marks.All(m => File.Exists(Path.Combine(path, m)));

    /// <summary>
    /// The check of <c>arbor train</c> and <c>arbor pretrain</c> before they write: a directory that already holds a
    /// run of <paramref name="kind"/> is continued only with <paramref name="resume"/> and replaced only with
    /// <paramref name="overwrite"/>; any other directory that is not empty (a user's files, a run of the other kind) is
    /// refused whatever the flags, so a resume never writes into it and an overwrite never deletes it.
    /// </summary>
    public static void PrepareForRun(string path, OutputKind kind, bool resume, bool overwrite)
    {
        if (resume && overwrite) throw new OutputPathException("--resume and --overwrite contradict each other: choose one");
        if (File.Exists(path)) throw new OutputPathException($"'{path}' is a file, not a run directory");
        // first: a second process on a run in progress learns who writes it, not that the directory holds a run
        RunLock.ThrowIfHeld(path);
        if (OutputGuard.IsAbsentOrEmpty(path)) return;   // a new run (a --resume of nothing starts from the beginning)
        string refusal = resume ? "refusing to continue it" : overwrite ? "refusing to delete it" : "refusing to write into it";
        if (!kind.Recognises(path))
        {
            throw IsRun(path)
                ? new OutputPathException($"'{path}' holds an Arbor run, but not {kind.Name} ({kind.WhyNot(path)}): {refusal}. " +
                    $"Choose another --out.")
                : OutputGuard.NotOfKind(path, kind, refusal);
        }
        if (resume) return;
        if (overwrite) { OutputGuard.ReplacePrevious(path, kind); return; }
        throw new OutputPathException(
            $"'{path}' already holds a run: pass --resume to continue it, or --overwrite to replace it (its metrics, checkpoint and " +
                $"report are deleted)");
    }

    /// <summary>A run whose config.yaml sets the top-level <paramref name="key"/>
    /// (as YamlDotNet writes it: at the start of a line).</summary>
    private static OutputKind Kind(string name, string key)
    {
        var line = new Regex($"^{Regex.Escape(key)}\\s*:", RegexOptions.Multiline | RegexOptions.CultureInvariant);
        return OutputKind.Directory(name, Marks,
            (dir => line.IsMatch(File.ReadAllText(Path.Combine(dir, "config.yaml"))), $"its config.yaml does not set `{key}`"));
    }
}
