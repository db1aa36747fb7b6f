namespace Arbor.TestKit;

/// <summary>
/// A new, empty directory under the system's temp directory, deleted with all it holds on <see cref="Dispose"/>: one
/// per test (a field of the test class) or per block (<c>using var</c>).
/// </summary>
public sealed class TempDirectory : IDisposable
{
    /// <param name="prefix">Starts the directory's name, so that one a test left behind says which test it was.</param>
    public TempDirectory(string prefix) => Path = Directory.CreateTempSubdirectory(prefix).FullName;

    /// <summary>The directory's full path; it exists from construction on.</summary>
    public string Path { get; }

    /// <summary>The path of <paramref name="name"/> inside the directory; nothing is created.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        // a test may have deleted it itself, as code under test may delete what it is given
        try { Directory.Delete(Path, recursive: true); }
        catch (DirectoryNotFoundException) { }
    }
}
