using System.Text.RegularExpressions;
using Arbor.TestKit;

namespace Arbor.Tests.Style;

/// <summary>
/// The library's top-level namespaces (src/Arbor: Arbor.Shapes, Arbor.Training, ...) depend on each other without a cycle,
/// so each can be read, tested and replaced with only the ones below it. A file of namespace A depends on namespace B
/// through a <c>using Arbor.B...</c> directive or a qualified name <c>B.T</c> / <c>Arbor.B.T</c> of a type T declared in
/// B (comments aside: a <c>cref</c> is documentation, not a dependency).
/// </summary>
public partial class NamespaceCycleTests
{
    [Fact]
    public void TopLevelNamespacesHaveNoCycle()
    {
        var graph = NamespaceGraph.Of(Path.Combine(SourceLineLengthTests.RepositoryRoot(), "src", "Arbor"));
        Assert.True(graph.Nodes.Count > 10, $"only {graph.Nodes.Count} namespaces found under src/Arbor");

        var cycles = graph.EdgesOnCycles();
        Assert.True(cycles.Count == 0,
            $"{cycles.Count} dependencies between top-level namespaces lie on a cycle; move the type to where it belongs:\n" +
            string.Join("\n", cycles));
    }

    [Fact]
    public void TheScanSeesUsingsAndQualifiedNames()
    {
        using var temp = new TempDirectory("arbor-ns-");
        var root = temp.Path;
        Directory.CreateDirectory(Path.Combine(root, "A"));
        Directory.CreateDirectory(Path.Combine(root, "B"));
        Directory.CreateDirectory(Path.Combine(root, "C"));
        File.WriteAllText(Path.Combine(root, "A", "X.cs"), "using Arbor.B.Inner;\nnamespace Arbor.A;\npublic class X { }\n");
        File.WriteAllText(Path.Combine(root, "B", "Y.cs"), "namespace Arbor.B.Inner;\npublic class Y { C.Z? z; }\n");
        File.WriteAllText(Path.Combine(root, "C", "Z.cs"),
            "namespace Arbor.C;\n/// <see cref=\"A.X\"/>\npublic record Z { object o = new Arbor.A.X(); }\n");

        var cycles = NamespaceGraph.Of(root).EdgesOnCycles();

        Assert.Equal(3, cycles.Count);
        Assert.Contains(cycles, c => c.StartsWith("A -> B", StringComparison.Ordinal));
        Assert.Contains(cycles, c => c.StartsWith("B -> C", StringComparison.Ordinal));
        Assert.Contains(cycles, c => c.StartsWith("C -> A", StringComparison.Ordinal));

        File.WriteAllText(Path.Combine(root, "C", "Z.cs"), "namespace Arbor.C;\n/// <see cref=\"A.X\"/>\npublic record Z;\n");
        Assert.Empty(NamespaceGraph.Of(root).EdgesOnCycles());
    }

    private sealed partial class NamespaceGraph
    {
        // Which files make each dependency: Edges[a][b] lists the files of a that use b.
        private readonly SortedDictionary<string, SortedDictionary<string, SortedSet<string>>> _edges = new(StringComparer.Ordinal);

        public SortedSet<string> Nodes { get; } = new(StringComparer.Ordinal);

        public static NamespaceGraph Of(string sourceRoot)
        {
            var files = Directory.EnumerateFiles(sourceRoot, "*.cs", SearchOption.AllDirectories)
                .Where(p => !Path.GetRelativePath(sourceRoot, p).Split('/', '\\').Any(part => part is "bin" or "obj"))
                .Select(p => (Path: Path.GetRelativePath(sourceRoot, p).Replace('\\', '/'), Text: File.ReadAllText(p)))
                .Select(f => (f.Path, f.Text, Code: LineComment().Replace(f.Text, ""), Namespace: TopLevel(f.Text)))
                .ToList();

            var graph = new NamespaceGraph();
            var types = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var f in files)
            {
                graph.Nodes.Add(f.Namespace);
                if (!types.TryGetValue(f.Namespace, out var declared)) types[f.Namespace] = declared = [];
                foreach (Match m in TypeDeclaration().Matches(f.Code)) declared.Add(m.Groups[1].Value);
            }

            foreach (var f in files)
            {
                foreach (Match m in UsingDirective().Matches(f.Text))
                {
                    graph.Add(f.Namespace, m.Groups[1].Value, f.Path);
                }
                foreach (Match m in QualifiedName().Matches(f.Code))
                {
                    if (types.TryGetValue(m.Groups[1].Value, out var declared) && declared.Contains(m.Groups[2].Value))
                    {
                        graph.Add(f.Namespace, m.Groups[1].Value, f.Path);
                    }
                }
            }
            return graph;
        }

        /// <summary>Every dependency a -> b where b also reaches a, with the files that make it.</summary>
        public List<string> EdgesOnCycles()
        {
            var result = new List<string>();
            foreach (var (from, targets) in _edges)
            {
                foreach (var (to, paths) in targets)
                {
                    if (Reaches(to, from)) result.Add($"{from} -> {to} ({string.Join(", ", paths)})");
                }
            }
            return result;
        }

        private void Add(string from, string to, string path)
        {
            if (from == to || !Nodes.Contains(to)) return;   // Arbor.Tensors and System.* are other assemblies'
            if (!_edges.TryGetValue(from, out var targets)) _edges[from] = targets = new(StringComparer.Ordinal);
            if (!targets.TryGetValue(to, out var paths)) targets[to] = paths = new(StringComparer.Ordinal);
            paths.Add(path);
        }

        private bool Reaches(string from, string to)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal) { from };
            var stack = new Stack<string>([from]);
            while (stack.TryPop(out var node))
            {
                if (node == to) return true;
                if (!_edges.TryGetValue(node, out var targets)) continue;
                foreach (var next in targets.Keys.Where(seen.Add)) stack.Push(next);
            }
            return false;
        }

        // "Arbor.Training.Losses" -> "Training"; the root namespace "Arbor" is a node of its own.
        private static string TopLevel(string text)
        {
            var m = FileNamespace().Match(text);
            var parts = m.Success ? m.Groups[1].Value.Split('.') : ["Arbor"];
            return parts.Length > 1 ? parts[1] : parts[0];
        }

        [GeneratedRegex(@"^namespace\s+([\w.]+)", RegexOptions.Multiline)]
        private static partial Regex FileNamespace();

        [GeneratedRegex(@"^\s*(?:global\s+)?using\s+(?:static\s+)?(?:\w+\s*=\s*)?Arbor\.(\w+)[\w.]*\s*;", RegexOptions.Multiline)]
        private static partial Regex UsingDirective();

        [GeneratedRegex(@"\b(?:class|record|struct|interface|enum)\s+(?:struct\s+|class\s+)?(\w+)")]
        private static partial Regex TypeDeclaration();

        // B.T at a word start, the B of Arbor.B.T included (the lookahead lets matches overlap).
        [GeneratedRegex(@"(?<![\w])(?=(\w+)\.(\w+)\b)")]
        private static partial Regex QualifiedName();

        [GeneratedRegex(@"//.*")]
        private static partial Regex LineComment();
    }
}
