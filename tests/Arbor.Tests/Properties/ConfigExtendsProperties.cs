using System.Text;
using Arbor.Configuration;
using Arbor.TestKit;
using CsCheck;

namespace Arbor.Tests.Properties;

/// <summary>
/// Properties of the <c>extends</c> merge of <see cref="ConfigLoader.Load{T}"/> over random chains of one to three files
/// (a child in a nested folder extending a parent one folder up, which may extend a grandparent one more up), each file
/// setting a random subset of the keys of a nested config (scalars at three depths, a nullable string, a list).
/// A failure prints the shrunk chain and its seed; rerun it with <c>seed:</c> or <c>CsCheck_Seed</c>.
/// </summary>
public class ConfigExtendsProperties
{
    public sealed class MergeConfig
    {
        public int Top { get; set; } = 1;
        public string? Name { get; set; } = "base";
        public List<int> Items { get; set; } = [0];
        public MergeSection Outer { get; set; } = new();
    }

    public sealed class MergeSection
    {
        public double X { get; set; } = 0.5;
        public string? Label { get; set; }
        public MergeInner Inner { get; set; } = new();
    }

    public sealed class MergeInner
    {
        public int Depth { get; set; } = 3;
        public bool Flag { get; set; }
    }

    /// <summary>A key's path, and how a value for it is written in YAML and read off a loaded config.</summary>
    private sealed record Key(string[] Path, Func<MergeConfig, object?> Read);

    private static readonly Key[] Keys =
    [
        new(["top"], c => c.Top),
        new(["name"], c => c.Name),
        new(["items"], c => string.Join(",", c.Items)),
        new(["outer", "x"], c => c.Outer.X),
        new(["outer", "label"], c => c.Outer.Label),
        new(["outer", "inner", "depth"], c => c.Outer.Inner.Depth),
        new(["outer", "inner", "flag"], c => c.Outer.Inner.Flag),
    ];

    /// <summary>A value for key <paramref name="k"/>: its YAML text and what the loaded config then holds.</summary>
    private static Gen<(string Yaml, object? Value)> ValueOf(int k) => k switch
    {
        0 or 5 => Gen.Int[-50, 50].Select(i => (i.ToString(), (object?)i)),
        1 or 4 => Gen.Frequency(
            (3, Gen.Int[0, 999].Select(i => ($"s{i}", (object?)$"s{i}"))),
            (1, Gen.Const(("~", (object?)null)))),
        2 => Gen.Int[0, 9].Array[0, 3].Select(a => ("[" + string.Join(", ", a) + "]", (object?)string.Join(",", a))),
        3 => Gen.Int[-20, 20].Select(i => ((i / 4.0).ToString(System.Globalization.CultureInfo.InvariantCulture), (object?)(i / 4.0))),
        _ => Gen.Bool.Select(b => (b ? "true" : "false", (object?)b)),
    };

    /// <summary>One file's settings: key index → (YAML, value).</summary>
    private static readonly Gen<Dictionary<int, (string Yaml, object? Value)>> FileSettings =
        Gen.Select(Gen.Bool.Array[Keys.Length], ValueOf(0), ValueOf(1), ValueOf(2), ValueOf(3), ValueOf(4), ValueOf(5), ValueOf(6),
            (set, v0, v1, v2, v3, v4, v5, v6) =>
            {
                (string, object?)[] values = [v0, v1, v2, v3, v4, v5, v6];
                return Enumerable.Range(0, Keys.Length).Where(k => set[k]).ToDictionary(k => k, k => values[k]);
            });

    /// <summary>Files of the chain, child first: the child extends the second, which extends the third.</summary>
    private static readonly Gen<Dictionary<int, (string Yaml, object? Value)>[]> Chains =
        FileSettings.Array[1, 3].Where(files => files[^1].Count > 0);   // the root file must set something (an empty config is an error)

    private static string Print(Dictionary<int, (string Yaml, object? Value)>[] files) =>
        string.Join(" extends ", files.Select(f =>
            "{" + string.Join(", ", f.OrderBy(p => p.Key).Select(p => $"{string.Join(".", Keys[p.Key].Path)}: {p.Value.Yaml}")) + "}"));

    /// <summary>The YAML of one file: its keys nested by section (sections in key order), after an optional extends line.</summary>
    private static string Yaml(Dictionary<int, (string Yaml, object? Value)> settings, string? extends)
    {
        var text = new StringBuilder();
        if (extends is not null) text.Append("extends: ").Append(extends).Append('\n');
        string[] open = [];
        foreach (var (k, (yaml, _)) in settings.OrderBy(p => p.Key))
        {
            var path = Keys[k].Path;
            int common = 0;
            while (common < open.Length && common < path.Length - 1 && open[common] == path[common]) common++;
            for (int d = common; d < path.Length - 1; d++) text.Append(' ', 2 * d).Append(path[d]).Append(":\n");
            text.Append(' ', 2 * (path.Length - 1)).Append(path[^1]).Append(": ").Append(yaml).Append('\n');
            open = path[..^1];
        }
        return text.ToString();
    }

    /// <summary>
    /// Each key of the loaded config holds the value of the nearest file of the chain that sets it (the child's over its
    /// parent's over its grandparent's), or the record's default when none does, whatever the mix of depths: sections merge
    /// key by key, a list replaces the inherited list, and <c>~</c> sets the inherited string back to null. A merge that
    /// replaces a whole section (losing a parent's sibling keys), lets the parent win, concatenates lists, ignores an
    /// explicit null, or resolves <c>extends</c> against the working directory instead of the file's folder fails it.
    /// </summary>
    [Fact]
    public void EachKeyComesFromTheNearestFileThatSetsIt() =>
        Chains.Sample(files =>
        {
            using var temp = new TempDirectory("arbor-extends-");
            var root = temp.Path;
            // file j lives j folders above the child's folder: root/f0/f1 holds the child, root/f0 its parent, root the grandparent
            string Folder(int j) => Path.Combine([root, .. Enumerable.Range(0, files.Length - 1 - j).Select(i => $"f{i}")]);
            for (int j = 0; j < files.Length; j++)
            {
                Directory.CreateDirectory(Folder(j));
                File.WriteAllText(Path.Combine(Folder(j), $"c{j}.yaml"),
                    Yaml(files[j], j + 1 < files.Length ? $"../c{j + 1}.yaml" : null));
            }
            var loaded = ConfigLoader.Load<MergeConfig>(Path.Combine(Folder(0), "c0.yaml"));
            var defaults = new MergeConfig();
            for (int k = 0; k < Keys.Length; k++)
            {
                var from = files.FirstOrDefault(f => f.ContainsKey(k));
                var expected = from is null ? Keys[k].Read(defaults) : from[k].Value;
                Assert.True(Equals(expected, Keys[k].Read(loaded)),
                    $"{string.Join(".", Keys[k].Path)}: expected {expected ?? "null"}, loaded {Keys[k].Read(loaded) ?? "null"}");
            }
        }, iter: 150, print: Print);
}
