namespace Arbor.Runs;

/// <summary>A run directory that cannot be used as asked (it holds a run, is not a run, or is in use).</summary>
public sealed class RunDirectoryException(string message) : Exception(message);

/// <summary>
/// The rules every command that writes a run directory follows, so that no user file and no earlier run is lost by
/// accident: a directory is deleted only when it is recognisably an Arbor run (its own files), a run is continued
/// only with <c>--resume</c> and replaced only with <c>--overwrite</c>, and one process at a time writes it
/// (<see cref="RunLock"/>).
/// </summary>
public static class RunDirectory
{
    /// <summary>The files both trainers write first: a directory with both is an Arbor run.</summary>
    public static readonly string[] Marks = ["config.yaml", "metrics.jsonl"];

    /// <summary>Whether <paramref name="path"/> is a directory Arbor wrote as a run (pretraining, RL, demo or bench).</summary>
    public static bool IsRun(string path) => Directory.Exists(path) && Marks.All(m => File.Exists(Path.Combine(path, m)));

    /// <summary>Whether <paramref name="path"/> is missing or an empty directory (the files of a released <see cref="RunLock"/> aside).</summary>
    public static bool IsAbsentOrEmpty(string path) => !Directory.Exists(path) && !File.Exists(path)
        || Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).All(e => RunLock.IsLockFile(Path.GetFileName(e)));

    /// <summary>
    /// Makes <paramref name="path"/> ready for a new run that replaces whatever earlier run it held (<c>arbor demo</c>,
    /// <c>bench strategies</c>, <c>train --overwrite</c>): an earlier Arbor run is deleted; anything else that is not
    /// empty is refused, named, and left as it is.
    /// </summary>
    public static void ReplacePrevious(string path)
    {
        if (File.Exists(path)) throw new RunDirectoryException($"'{path}' is a file, not a run directory: refusing to replace it");
        RunLock.ThrowIfHeld(path);   // a run being written is named by its writer, whatever it holds yet
        if (IsAbsentOrEmpty(path)) return;
        if (!IsRun(path))
            throw new RunDirectoryException($"'{path}' is not empty and is not an Arbor run directory (it has no {string.Join(" and ", Marks)}): " +
                "refusing to delete it. Choose another --out, or empty it yourself.");
        using (RunLock.Acquire(path)) { }   // a run still being written by another process is not deleted under it
        Directory.Delete(path, recursive: true);
    }

    /// <summary>
    /// The check of <c>arbor train</c> and <c>arbor pretrain</c> before they write: a directory that already holds a
    /// run is continued only with <paramref name="resume"/> and replaced only with <paramref name="overwrite"/>.
    /// </summary>
    public static void PrepareForRun(string path, bool resume, bool overwrite)
    {
        if (resume && overwrite) throw new RunDirectoryException("--resume and --overwrite contradict each other: choose one");
        if (File.Exists(path)) throw new RunDirectoryException($"'{path}' is a file, not a run directory");
        // first: a second process on a run in progress learns who writes it, not that the directory holds a run
        RunLock.ThrowIfHeld(path);
        if (resume || IsAbsentOrEmpty(path)) return;
        if (overwrite) { ReplacePrevious(path); return; }
        throw new RunDirectoryException(IsRun(path)
            ? $"'{path}' already holds a run: pass --resume to continue it, or --overwrite to replace it (its metrics, checkpoint and report are deleted)"
            : $"'{path}' is not empty and is not an Arbor run directory: choose another --out");
    }
}
