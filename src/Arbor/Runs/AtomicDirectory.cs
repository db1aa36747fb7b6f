using System.Runtime.InteropServices;

namespace Arbor.Runs;

/// <summary>
/// Writes a directory all at once: files go into "name.tmp", then the old directory (if any) is moved
/// aside and the new one renamed into place. A crash at any point leaves either the old complete
/// directory or the new complete one (plus, at worst, a stale .tmp/.old that the next write removes).
/// The new files and their directory are flushed to disk before the rename, and the parent after it, so the same
/// holds after a power loss, not only after a killed process (a rename can reach the disk before the data it names).
/// </summary>
public static partial class AtomicDirectory
{
    public static void Write(string path, Action<string> writeInto)
    {
        path = Path.GetFullPath(path);
        string tmp = path + ".tmp", old = path + ".old";
        if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
        Directory.CreateDirectory(tmp);
        writeInto(tmp);
        foreach (var file in Directory.EnumerateFiles(tmp, "*", SearchOption.AllDirectories)) FlushFile(file);
        FlushDirectory(tmp);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        if (Directory.Exists(path)) Directory.Move(path, old);
        Directory.Move(tmp, path);
        FlushDirectory(Path.GetDirectoryName(path)!);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
    }

    /// <summary>The complete directory at <paramref name="path"/>, or the one a crash left aside in ".old".</summary>
    public static string? Resolve(string path)
    {
        if (Directory.Exists(path)) return path;
        return Directory.Exists(path + ".old") ? path + ".old" : null;
    }

    private static void FlushFile(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        stream.Flush(flushToDisk: true);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);

    /// <summary>fsync of a directory's entries (POSIX only; elsewhere the rename is as durable as the OS makes it).</summary>
    private static void FlushDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return;
        const int readOnly = 0;
        int fd = Open(directory, readOnly);
        if (fd < 0) return;   // a file system that cannot open directories: nothing more to do
        try
        {
            if (Fsync(fd) != 0 && Marshal.GetLastPInvokeError() is not (22 or 95))   // EINVAL/EOPNOTSUPP: not syncable here
                throw new IOException($"fsync of '{directory}' failed (errno {Marshal.GetLastPInvokeError()})");
        }
        finally { Close(fd); }
    }
}
