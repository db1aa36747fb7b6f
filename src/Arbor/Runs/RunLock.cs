using System.Diagnostics;

namespace Arbor.Runs;

/// <summary>
/// Exclusive ownership of a run directory by one process: two <c>arbor train --out D</c> at once would interleave their
/// metrics lines and checkpoints. The lock is the operating system's (an exclusive lock on <c>run.lock</c>, which .NET
/// takes with <see cref="FileShare.None"/>), so it is released when the process ends however it ends: a lock left by a
/// killed run is never stale. The owner's PID, host and start time are written beside it for the second process's message.
/// </summary>
public sealed class RunLock : IDisposable
{
    public const string FileName = "run.lock";
    public const string OwnerFileName = "run.lock.owner";

    private readonly FileStream _lock;
    private readonly string _ownerFile;

    private RunLock(FileStream lockFile, string ownerFile) => (_lock, _ownerFile) = (lockFile, ownerFile);

    /// <summary>Whether <paramref name="name"/> is one of the lock's own files (a killed owner leaves both behind, unlocked).</summary>
    public static bool IsLockFile(string name) => name is FileName or OwnerFileName;

    /// <summary>Takes the lock of <paramref name="directory"/> (created if missing), or fails at once naming the owner.</summary>
    public static RunLock Acquire(string directory)
    {
        Directory.CreateDirectory(directory);
        var ownerFile = Path.Combine(directory, OwnerFileName);
        FileStream stream;
        try { stream = new FileStream(Path.Combine(directory, FileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None); }
        catch (IOException) { throw InUse(directory); }
        using (var self = Process.GetCurrentProcess())
        {
            File.WriteAllText(ownerFile, $"PID {Environment.ProcessId} on {Environment.MachineName} (started " +
                $"{self.StartTime.ToUniversalTime():yyyy-MM-dd HH:mm:ss} UTC)");
        }
        return new RunLock(stream, ownerFile);
    }

    /// <summary>
    /// Fails naming the owner when another process holds the lock of <paramref name="directory"/>; creates nothing, so a
    /// directory that is then refused for another reason (a user's files) is left without a lock file in it. The
    /// checks about what the directory holds come after this one: while a run is being written, who writes it is the
    /// answer, not that it holds a run.
    /// </summary>
    public static void ThrowIfHeld(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return;
        try { using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None); }
        catch (FileNotFoundException) { }     // removed with its directory a moment ago: nobody holds it
        catch (DirectoryNotFoundException) { }
        catch (IOException) { throw InUse(directory); }
    }

    private static OutputPathException InUse(string directory)
    {
        var ownerFile = Path.Combine(directory, OwnerFileName);
        string owner = "another process";
        try { if (File.Exists(ownerFile)) owner = File.ReadAllText(ownerFile).Trim(); }
        catch (IOException) { }   // the owner released it while we read: the generic name still says what happened
        return new OutputPathException($"'{directory}' is in use by {owner}: one process at a time writes a run directory");
    }

    /// <summary>
    /// Releases the lock. <c>run.lock</c> itself stays (empty): deleting it could let a process that opened it a moment
    /// earlier and a process that creates it anew both believe they own the directory.
    /// </summary>
    public void Dispose()
    {
        try { File.Delete(_ownerFile); } catch (IOException) { }
        _lock.Dispose();
    }
}
