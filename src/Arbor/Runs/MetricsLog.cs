using Arbor.Runs.Metrics;

namespace Arbor.Runs;

/// <summary>
/// The rule that keeps a resumed run's metrics.jsonl equal to an uninterrupted run's: before a run continues from a
/// checkpoint at position N (an iteration, or a pretraining step), every line written after that checkpoint is
/// removed, because those iterations are about to be done again. Without it a kill between a checkpoint and the next
/// one leaves the replayed iterations twice in the log (issue #21: [1, 2, 2, 3, 4]).
/// </summary>
public static class MetricsLog
{
    /// <summary>
    /// Keeps the lines whose position by <paramref name="by"/> (iteration or step) is at most <paramref name="position"/>,
    /// and drops a torn last line; the file is replaced atomically (written beside it, flushed, renamed).
    /// Returns the number of lines removed.
    /// </summary>
    public static int TruncateAfter(string path, MetricsPosition by, long position)
    {
        if (!File.Exists(path)) return 0;
        var lines = File.ReadAllLines(path);
        var kept = lines.Where(l => MetricsLineHead.TryParse(l)?.At(by) is { } p && p <= position).ToList();
        if (kept.Count == lines.Length) return 0;
        var tmp = path + ".tmp";
        using (var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write))
        using (var writer = new StreamWriter(stream))
        {
            foreach (var l in kept) writer.WriteLine(l);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(tmp, path, overwrite: true);
        return lines.Length - kept.Count;
    }

    /// <summary>Whether the log has a line of <paramref name="kind"/> at <paramref name="position"/>.</summary>
    public static bool Has(string path, string kind, MetricsPosition by, long position) =>
        File.Exists(path)
            && File.ReadLines(path).Any(l => MetricsLineHead.TryParse(l) is { } head && head.At(by) == position && head.Kind == kind);
}
