using Arbor.Runs;

namespace Arbor.Cli.Bench;

/// <summary>The output directory of a bench command that collects its runs' results in one JSON list.</summary>
public static class BenchOutput
{
    /// <summary>
    /// Makes <paramref name="outDir"/> ready: a new or empty directory, or an earlier output of the same <paramref name="kind"/>
    /// (recognised by its <paramref name="resultsFile"/>); anything else is refused before any model work. A new output
    /// gets an empty results list at once, so that one stopped during its first run is still recognised as the command's
    /// and can be run again.
    /// </summary>
    public static void Prepare(string outDir, OutputKind kind, string resultsFile)
    {
        OutputGuard.CheckCanWrite(outDir, kind);
        Directory.CreateDirectory(outDir);
        var results = Path.Combine(outDir, resultsFile);
        if (!File.Exists(results)) File.WriteAllText(results, "[]");
    }
}
