namespace Arbor.Runs;

/// <summary>
/// The one rule of every command that writes where the user says (<c>--out</c>), so that no user file and no earlier
/// output is lost by accident: a command writes only into a missing or empty path or into an earlier output of its own
/// <see cref="OutputKind"/>, and deletes only an earlier output of its own kind. Anything else is refused before any
/// model work, with a message naming the path and what is wrong, and left exactly as it was. A directory another
/// process is writing (<see cref="RunLock"/>) is refused naming that process.
/// </summary>
public static class OutputGuard
{
    /// <summary>Whether <paramref name="path"/> is missing or an empty directory
    /// (the files of a released <see cref="RunLock"/> aside).</summary>
    public static bool IsAbsentOrEmpty(string path) => !Directory.Exists(path) && !File.Exists(path)
        || Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).All(e => RunLock.IsLockFile(Path.GetFileName(e)));

    /// <summary>
    /// Checks, before a command writes its files into the directory <paramref name="path"/> (overwriting its own files of
    /// an earlier output, deleting nothing), that it is missing, empty, or an earlier output of <paramref name="kind"/>.
    /// Creates nothing: a refused or failed command leaves no directory behind.
    /// </summary>
    public static void CheckCanWrite(string path, OutputKind kind)
    {
        if (File.Exists(path))
        {
            throw new OutputPathException($"'{path}' is a file, not a directory: refusing to write {kind.Name} there. " +
                $"Choose another --out.");
        }
        RunLock.ThrowIfHeld(path);   // a run being written is named by its writer, whatever it holds yet
        if (IsAbsentOrEmpty(path) || kind.Recognises(path)) return;
        throw NotOfKind(path, kind, "refusing to write into it");
    }

    /// <summary>
    /// The same check for a command that writes one file at <paramref name="path"/> (<c>bench binding --out FILE</c>): it
    /// may replace nothing, an empty file, or an earlier output of <paramref name="kind"/>; checked before the command
    /// runs, so a refusal costs nothing.
    /// </summary>
    public static void CheckCanWriteFile(string path, OutputKind kind)
    {
        if (Directory.Exists(path))
        {
            throw new OutputPathException($"'{path}' is a directory, not a file: refusing to write {kind.Name} there. " +
                $"Choose another --out.");
        }
        if (!File.Exists(path) || new FileInfo(path).Length == 0 || kind.Recognises(path)) return;
        throw new OutputPathException($"'{path}' exists and is not {kind.Name} ({kind.WhyNot(path)}): refusing to overwrite it. Choose " +
            $"another --out, or remove it yourself.");
    }

    /// <summary>
    /// Makes the directory <paramref name="path"/> ready for a new output that replaces an earlier one of
    /// <paramref name="kind"/> (<c>arbor demo</c>, the runs of <c>bench strategies</c>, <c>train --overwrite</c>): an
    /// earlier output of that kind is deleted; anything else that is not empty is refused, named, and left as it is.
    /// </summary>
    public static void ReplacePrevious(string path, OutputKind kind)
    {
        if (File.Exists(path))
            throw new OutputPathException($"'{path}' is a file, not {kind.Name}: refusing to replace it. Choose another --out.");
        RunLock.ThrowIfHeld(path);
        if (IsAbsentOrEmpty(path)) return;
        if (!kind.Recognises(path)) throw NotOfKind(path, kind, "refusing to delete it");
        using (RunLock.Acquire(path)) { }   // an output still being written by another process is not deleted under it
        Directory.Delete(path, recursive: true);
    }

    /// <summary>The refusal of a non-empty directory <paramref name="path"/> that
    /// is not of <paramref name="kind"/>, saying why and what to do.</summary>
    public static OutputPathException NotOfKind(string path, OutputKind kind, string refusal) =>
        new($"'{path}' is not empty and is not {kind.Name} ({kind.WhyNot(path)}): {refusal}. Choose another --out, or empty it yourself.");
}
