namespace Arbor.Training;

/// <summary>
/// Writes a directory all at once: files go into "name.tmp", then the old directory (if any) is moved
/// aside and the new one renamed into place. A crash at any point leaves either the old complete
/// directory or the new complete one (plus, at worst, a stale .tmp/.old that the next write removes).
/// </summary>
public static class AtomicDirectory
{
    public static void Write(string path, Action<string> writeInto)
    {
        path = Path.GetFullPath(path);
        string tmp = path + ".tmp", old = path + ".old";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        Directory.CreateDirectory(tmp);
        writeInto(tmp);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        if (Directory.Exists(path)) Directory.Move(path, old);
        Directory.Move(tmp, path);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
    }

    /// <summary>The complete directory at <paramref name="path"/>, or the one a crash left aside in ".old".</summary>
    public static string? Resolve(string path)
    {
        if (Directory.Exists(path)) return path;
        return Directory.Exists(path + ".old") ? path + ".old" : null;
    }
}
