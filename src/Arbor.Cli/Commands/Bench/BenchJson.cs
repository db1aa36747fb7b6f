using System.Text.Json;
using Spectre.Console;

namespace Arbor.Cli.Commands.Bench;

/// <summary>The JSON files the benches write with --out: indented, since people read them as much as scripts do.</summary>
internal static class BenchJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The machine, as a raw-samples file records it next to the samples measured on it.</summary>
    public static string Machine => $"{Environment.ProcessorCount} cores, {Environment.OSVersion}";

    public static void Write<T>(string path, T value) => File.WriteAllText(path, JsonSerializer.Serialize(value, Indented));

    /// <summary>Writes a bench's raw samples, and ends its output with where they are.</summary>
    public static void WriteRawSamples<T>(string path, T value)
    {
        Write(path, value);
        AnsiConsole.MarkupLine($"raw samples: {Markup.Escape(path)}");
    }
}
