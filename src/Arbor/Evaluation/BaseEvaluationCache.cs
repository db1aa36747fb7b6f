using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Arbor.Configuration;
using Arbor.Pipelines;
using Arbor.Sampling;
using Arbor.Tensors;

namespace Arbor.Evaluation;

/// <summary>
/// The held-out evaluation of a model directory's own weights, kept so that every RL run from that base does not
/// generate it again (two sets of 6 x 64 prompts at 40 steps take about 6.5 minutes on 2 cores). An RL run's
/// iteration-0 policy is exactly the base: LoRA's B starts at zero, so its adapters add exact zeros.
/// <para>
/// The key hashes the weights file, the evaluation config (its batch size included), what the world's held-out prompts
/// follow from (the Shapes split config), the libtorch version and the CPU model: OpenBLAS's sums depend on the batch
/// size and the kernels the CPU selects, so the cached outcomes are what this machine would compute, bit for bit.
/// Lookup reads the model directory's <c>eval-cache/</c> (where a shipped base carries its own) and then the user cache
/// (<c>$ARBOR_CACHE</c>, default <c>~/.cache/arbor</c>); writes go to the user cache only, never into a model directory.
/// </para>
/// </summary>
public static class BaseEvaluationCache
{
    public const string DirectoryName = "eval-cache";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    private sealed record CachedSet(string Set, IReadOnlyList<SampleOutcome> Outcomes,
        IReadOnlyDictionary<string, FamilyFailures>? Failures,
        IReadOnlyDictionary<string, int>? SharedWithRl, string? Grid);

    private sealed record CachedReport(string Key, double Seconds, IReadOnlyList<CachedSet> Sets);

    /// <summary>The user cache directory: $ARBOR_CACHE or ~/.cache/arbor, then eval-cache/.</summary>
    public static string UserDirectory =>
        Path.Combine(Environment.GetEnvironmentVariable("ARBOR_CACHE") is { Length: > 0 } root ? root
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "arbor"), DirectoryName);

    /// <summary>
    /// The cache key of <paramref name="modelDirectory"/>'s weights under this evaluation on this machine;
    /// <paramref name="heldOutPrompts"/> is what the world's held-out prompts follow from (the Shapes split's YAML).
    /// </summary>
    public static string Key(string modelDirectory, EvalConfig eval, string heldOutPrompts)
    {
        using var sha = SHA256.Create();
        using (var weights = File.OpenRead(Path.Combine(modelDirectory, TextToImagePipeline.WeightsFile)))
            sha.TransformBlock(SHA256.HashData(weights), 0, 32, null, 0);
        // fp32 keys are what they were before eval.precision existed, so the caches shipped and stored then stay valid;
        // another precision (auto resolved: it is what this machine computes) adds its name; the default time shift (1)
        // leaves the key as it was before time_shift existed, for the same reason
        var evalYaml = string.Join('\n', ConfigLoader.ToYaml(eval with { Every = 0, CacheBase = true }).Split('\n')
            .Where(l => !l.StartsWith("precision:", StringComparison.Ordinal))
            .Where(l => eval.TimeShift != 1.0 || !l.StartsWith("time_shift:", StringComparison.Ordinal))
            .Where(l => eval.GuidanceUntil != 0 || !l.StartsWith("guidance_until:", StringComparison.Ordinal))
            .Where(l => eval.Unconditional != UnconditionalBranch.Adapted || !l.StartsWith("unconditional:", StringComparison.Ordinal)));
        var precision = ComputePrecision.Resolve(eval.Precision);
        var parts = new List<string> { evalYaml, heldOutPrompts, TorchRuntime.LibTorchVersion, CpuModel() };
        if (precision != Precision.Fp32) parts.Add($"precision {precision}");
        var text = Encoding.UTF8.GetBytes(string.Join('\n', parts));
        sha.TransformFinalBlock(text, 0, text.Length);
        return Convert.ToHexStringLower(sha.Hash!)[..24];
    }

    /// <summary>The cached evaluation (its grids copied into <paramref name="outputDirectory"/>), or null.</summary>
    public static EvaluationReport? TryLoad(string modelDirectory, string key, long step, string outputDirectory)
    {
        foreach (var dir in new[] { Path.Combine(modelDirectory, DirectoryName), UserDirectory })
        {
            var file = Path.Combine(dir, key + ".json");
            if (!File.Exists(file)) continue;
            CachedReport? cached;
            try { cached = JsonSerializer.Deserialize<CachedReport>(File.ReadAllText(file), Json); }
            catch (JsonException) { continue; }   // a torn or foreign file is a miss, never an error
            if (cached is null || cached.Key != key) continue;
            Directory.CreateDirectory(outputDirectory);
            var sets = cached.Sets.Select(s =>
            {
                string? grid = null;
                if (s.Grid is not null && File.Exists(Path.Combine(dir, s.Grid)))
                {
                    File.Copy(Path.Combine(dir, s.Grid),
                        grid = Path.Combine(outputDirectory, $"eval-{step:D6}-{s.Set}.png"), overwrite: true);
                }
                return new SetEvaluation(HeldOutSets.Parse(s.Set), s.Outcomes, grid, s.Failures, s.SharedWithRl);
            }).ToList();
            return new EvaluationReport(step, sets, cached.Seconds) { Cached = true };
        }
        return null;
    }

    /// <summary>Stores <paramref name="report"/> (and its grids) in the user cache; a failure to write is not an error.</summary>
    public static void Save(string key, EvaluationReport report)
    {
        try
        {
            var dir = UserDirectory;
            Directory.CreateDirectory(dir);
            var sets = report.Sets.Select(s =>
            {
                string? grid = null;
                if (s.GridPath is { } g && File.Exists(g)) File.Copy(g, Path.Combine(dir, grid = $"{key}-{s.Name}.png"), overwrite: true);
                return new CachedSet(s.Name, s.Outcomes, s.Failures, s.SharedWithRl, grid);
            }).ToList();
            var file = Path.Combine(dir, key + ".json");
            File.WriteAllText(file + ".tmp", JsonSerializer.Serialize(new CachedReport(key, report.Seconds, sets), Json));
            File.Move(file + ".tmp", file, overwrite: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    private static string CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                ?? Environment.ProcessorCount.ToString();
        }
        catch (IOException) { return Environment.ProcessorCount.ToString(); }
    }
}
