using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Arbor.Cli.Bench;

/// <summary>
/// Runs a PyTorch reference script under bench/python as a subprocess with the same thread settings as
/// Arbor, and reads the JSON object it prints last. Shared by every `arbor bench` that compares to PyTorch.
/// </summary>
public static class PythonReference
{
    /// <summary>The script's result, or null with the reason it could not run.</summary>
    public static (JsonObject? Result, string? Problem) Run(string python, string script, IEnumerable<string> arguments, int threads)
    {
        var path = RepoPaths.Find(script);
        if (path is null) return (null, script + " not found above " + AppContext.BaseDirectory);
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(path);
        foreach (var a in arguments) psi.ArgumentList.Add(a);
        psi.Environment["OPENBLAS_NUM_THREADS"] = $"{threads}";
        psi.Environment["OMP_NUM_THREADS"] = $"{threads}";
        psi.Environment["OMP_WAIT_POLICY"] = Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "PASSIVE";   // as Arbor runs
        try
        {
            using var p = Process.Start(psi)!;
            var stderrTask = p.StandardError.ReadToEndAsync();   // drained concurrently so a chatty script cannot block
            var stdout = p.StandardOutput.ReadToEnd();
            var stderr = stderrTask.Result;
            p.WaitForExit();
            if (p.ExitCode != 0) return (null, $"{python} exited {p.ExitCode}: {stderr.Trim().Split('\n').LastOrDefault()}");
            return (JsonNode.Parse(stdout.Trim().Split('\n').Last())!.AsObject(), null);
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or JsonException)
        {
            return (null, $"{python}: {e.Message}");
        }
    }

    /// <summary>Pools the sample arrays under <paramref name="keys"/> of two rounds (other fields from the first).</summary>
    public static JsonObject Concat(JsonObject a, JsonObject b, params string[] keys)
    {
        var result = JsonNode.Parse(a.ToJsonString())!.AsObject();
        foreach (var key in keys)
            foreach (var v in b[key]!.AsArray()) result[key]!.AsArray().Add(v!.GetValue<double>());
        return result;
    }

    public static Sample SampleOf(JsonObject o, string key) =>
        new(o[key]!.AsArray().Select(v => v!.GetValue<double>()).ToArray());
}
