using System.Text.Json;

namespace Arbor.Runs;

/// <summary>The progress record (state.json) both trainers' checkpoints keep beside their weights.</summary>
public static class CheckpointState
{
    /// <summary>Reads <paramref name="directory"/>'s state.json as <typeparamref name="T"/>,
    /// with an error naming the file when it is unreadable.</summary>
    public static T Read<T>(string directory) where T : class
    {
        var dir = AtomicDirectory.Resolve(directory) ?? throw new DirectoryNotFoundException($"no checkpoint at '{directory}'");
        var file = Path.Combine(dir, "state.json");
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(file)) ?? throw new InvalidDataException($"'{file}' is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{file}' is not a valid checkpoint state: {e.Message}", e);
        }
    }
}
