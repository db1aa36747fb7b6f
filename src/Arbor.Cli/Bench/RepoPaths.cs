namespace Arbor.Cli.Bench;

/// <summary>Finds files of the source tree (bench scripts, configs) from wherever the CLI was built.</summary>
public static class RepoPaths
{
    public static string? Find(string relative)
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, relative);
                if (File.Exists(candidate)) return candidate;
            }
        }
        return null;
    }
}
