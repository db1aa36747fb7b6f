using System.Text.Json;

namespace Arbor.Runs;

/// <summary>
/// What one command writes at its output path, by which it knows an earlier output of its own there. A directory is
/// known by the files the command always writes into it (its marks) and, where two commands write the same marks (a
/// pretraining run and an RL run both have config.yaml and metrics.jsonl), by a check of what a mark holds; a file
/// (`bench binding --out FILE`) by the keys of the JSON the command writes. <see cref="OutputGuard"/> lets a command
/// write into, or replace, only an empty path or one of its own kind, so no user file is overwritten or deleted by accident.
/// </summary>
public sealed class OutputKind
{
    private readonly Func<string, string?> _whyNot;

    private OutputKind(string name, Func<string, string?> whyNot) => (Name, _whyNot) = (name, whyNot);

    /// <summary>The output as messages name it: "an Arbor RL run directory", "an `arbor sample` output".</summary>
    public string Name { get; }

    /// <summary>
    /// A directory with every one of <paramref name="marks"/> (and, given <paramref name="holds"/>, passing its test; its
    /// failure is how messages say it, "its config.yaml does not set `strategy`").
    /// </summary>
    public static OutputKind Directory(string name, IReadOnlyList<string> marks, (Func<string, bool> Test, string Failure)? holds = null)
    {
        // without a mark any directory would be recognised as this command's, and its files overwritten
        if (marks.Count == 0) throw new ArgumentException($"{name}: a directory kind needs at least one mark");
        return new(name, dir =>
        {
            var missing = marks.Where(m => !File.Exists(Path.Combine(dir, m))).ToList();
            if (missing.Count > 0) return $"it has no {string.Join(" and no ", missing)}";
            return holds is { } h && !h.Test(dir) ? h.Failure : null;
        });
    }

    /// <summary>A JSON file whose object has every one of <paramref name="keys"/> (a
    /// dotted key is looked up in the object it names: "arbor.tiny_add_us").</summary>
    public static OutputKind JsonFile(string name, IReadOnlyList<string> keys)
    {
        if (keys.Count == 0) throw new ArgumentException($"{name}: a file kind needs at least one key");
        string description = $"a JSON object with {string.Join(", ", keys)}";
        return new(name, file =>
        {
            try
            {
                using var doc = JsonDocument.Parse(File.ReadAllBytes(file));
                return keys.All(k => Has(doc.RootElement, k)) ? null : $"it is not {description}";
            }
            catch (JsonException) { return $"it is not JSON, so not {description}"; }
        });
    }

    /// <summary>Whether <paramref name="path"/> is an output of this kind.</summary>
    public bool Recognises(string path) => WhyNot(path) is null;

    /// <summary>Why <paramref name="path"/> is not of this kind (null when it is): the marks it lacks, or the check it fails.</summary>
    public string? WhyNot(string path) => File.Exists(path) || System.IO.Directory.Exists(path) ? _whyNot(path) : "it does not exist";

    private static bool Has(JsonElement element, string dottedKey)
    {
        foreach (var part in dottedKey.Split('.'))
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element)) return false;
        return true;
    }
}
