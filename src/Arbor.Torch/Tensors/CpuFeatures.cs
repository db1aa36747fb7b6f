namespace Arbor.Tensors;

/// <summary>
/// What this CPU offers the matrix products, read from /proc/cpuinfo's flags (Linux; elsewhere nothing is assumed).
/// </summary>
public static class CpuFeatures
{
    private static readonly Lazy<IReadOnlySet<string>> LazyFlags = new(ReadFlags);

    /// <summary>The kernel's flags of the first CPU (empty where /proc/cpuinfo cannot be read).</summary>
    public static IReadOnlySet<string> Flags => LazyFlags.Value;

    /// <summary>
    /// Whether bf16 products run on bf16 units here: libtorch 1.13 sends bf16 products to oneDNN only where AVX-512
    /// (BW, VL, DQ) is present, and oneDNN's native bf16 instructions are avx512_bf16 or AMX. Without them a bf16 product
    /// falls back to ATen's generic kernel, measured 20x slower than fp32 on an AVX2-only CPU (docs/BENCHMARKS.md).
    /// </summary>
    public static bool HasBf16MatrixUnits =>
        Flags.Contains("avx512bw") && Flags.Contains("avx512vl") && Flags.Contains("avx512dq") &&
        (Flags.Contains("avx512_bf16") || Flags.Contains("amx_bf16"));

    /// <summary>The flags that decide <see cref="HasBf16MatrixUnits"/>, each with yes or no, for reports.</summary>
    public static string Describe()
    {
        if (Flags.Count == 0) return "unknown (no /proc/cpuinfo)";
        string[] wanted = ["avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_bf16", "amx_bf16"];
        return string.Join(", ", wanted.Select(f => $"{f} {(Flags.Contains(f) ? "yes" : "no")}"));
    }

    private static IReadOnlySet<string> ReadFlags()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("flags", StringComparison.Ordinal))?.Split(':', 2)[1]
                .Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet() ?? [];
        }
        catch (IOException) { return new HashSet<string>(); }
        catch (UnauthorizedAccessException) { return new HashSet<string>(); }
    }
}
