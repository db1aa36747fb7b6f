namespace Arbor.Tests.Style;

/// <summary>
/// Lines of C# are at most <see cref="MaxLength"/> characters (.editorconfig's max_line_length): Roslyn has no rule for it,
/// so this test holds every source file of src/ and tests/ to it (build outputs under bin/ and obj/ aside).
/// </summary>
public class SourceLineLengthTests
{
    public const int MaxLength = 140;

    [Fact]
    public void NoSourceLineIsLongerThanTheLimit()
    {
        var root = RepositoryRoot();
        var files = new[] { "src", "tests" }
            .SelectMany(dir => Directory.EnumerateFiles(Path.Combine(root, dir), "*.cs", SearchOption.AllDirectories))
            .Where(path => !IsBuildOutput(Path.GetRelativePath(root, path)))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.NotEmpty(files);

        var tooLong = new List<string>();
        foreach (var path in files)
        {
            var lines = File.ReadAllLines(path);
            for (int i = 0; i < lines.Length; i++)
            {
                if (lines[i].Length > MaxLength)
                {
                    tooLong.Add($"{Path.GetRelativePath(root, path).Replace('\\', '/')}:{i + 1}: {lines[i].Length} characters");
                }
            }
        }
        Assert.True(tooLong.Count == 0,
            $"{tooLong.Count} line(s) over {MaxLength} characters; wrap them:\n" + string.Join("\n", tooLong));
    }

    private static bool IsBuildOutput(string relativePath) =>
        relativePath.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Any(part => part is "bin" or "obj");

    // From the test binary (built in the tree) or, for out-of-tree builds, from this source file.
    internal static string RepositoryRoot([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(source)! })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Arbor.sln")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new DirectoryNotFoundException("Arbor.sln not found above the test directory or its source");
    }
}
