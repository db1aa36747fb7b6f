using System.Reflection;
using System.Runtime.InteropServices;

namespace Arbor.Tensors.Native;

/// <summary>
/// Prepares the process for libtorch, then finds libarbor_shim.so without
/// LD_LIBRARY_PATH: next to this assembly (where the build copies it),
/// then the application's base directory, then the path in ARBOR_SHIM (for a shim built elsewhere,
/// e.g. against a CUDA libtorch).
/// </summary>
internal static partial class NativeLibraryLoader
{
    [LibraryImport("libc", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);

    [LibraryImport("libc")]
    private static partial int mallopt(int param, int value);

    private const int MallocTrimThreshold = -1, MallocMmapThreshold = -3;

    /// <summary>
    /// libtorch's OpenMP pool and OpenBLAS's pthread pool both spin-wait between kernels; on a small
    /// machine the two pools then steal each other's cores (measured: a transformer step 2x slower with
    /// both pools at 2 threads). Passive OpenMP waiting removes the contention (docs/BENCHMARKS.md,
    /// "threads"). libgomp reads this once, when libtorch loads, so it is set natively before that;
    /// a value the user set is kept.
    /// OpenBLAS's idle workers likewise spin on sched_yield for 2^28 cycles after every GEMM before they sleep, which on
    /// 2 cores takes the core the intra-op pool needs next (measured: a third of the process's time in the kernel's
    /// scheduler); 2^4 makes them sleep at once. glibc's malloc hands every tensor buffer above its dynamic mmap
    /// threshold back to the kernel on free, so the next step faults it in again page by page (470k page faults in a
    /// 16 s sampling run); a fixed 32 MB threshold and a 1 GB trim threshold keep the buffers in the heap. Together:
    /// sampling 1.26x faster end to end, system time 11 s -> 1.4 s of 16 s (docs/BENCHMARKS.md, "process settings").
    /// </summary>
    private static void PrepareEnvironment()
    {
        try
        {
            setenv("OMP_WAIT_POLICY", "PASSIVE", 0);
            setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0);
            bool userTunedMalloc = Environment.GetEnvironmentVariable("GLIBC_TUNABLES") is not null
                || Environment.GetEnvironmentVariables().Keys.Cast<string>().Any(k => k.StartsWith("MALLOC_", StringComparison.Ordinal));
            if (!userTunedMalloc)
            {
                mallopt(MallocMmapThreshold, 32 << 20);
                mallopt(MallocTrimThreshold, 1 << 30);
            }
        }
        catch (DllNotFoundException) { }   // not glibc: leave OpenMP's, OpenBLAS's and malloc's defaults
        catch (EntryPointNotFoundException) { }
    }

    private static int _installed;

    internal static void EnsureResolver()
    {
        if (Interlocked.Exchange(ref _installed, 1) == 1) return;
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryLoader).Assembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != "arbor_shim") return IntPtr.Zero;
        PrepareEnvironment();
        var candidates = new List<string>();
        var overridePath = Environment.GetEnvironmentVariable("ARBOR_SHIM");
        if (!string.IsNullOrEmpty(overridePath)) candidates.Add(overridePath);
        var here = Path.GetDirectoryName(assembly.Location);
        if (!string.IsNullOrEmpty(here)) candidates.Add(Path.Combine(here, "libarbor_shim.so"));
        candidates.Add(Path.Combine(AppContext.BaseDirectory, "libarbor_shim.so"));

        var failures = new List<string>();
        foreach (var path in candidates)
        {
            if (!File.Exists(path)) { failures.Add($"{path}: not found"); continue; }
            try { return NativeLibrary.Load(path); }
            catch (DllNotFoundException e) { failures.Add($"{path}: {e.Message}"); }
        }
        throw new DllNotFoundException(
            "Arbor's native shim (libarbor_shim.so) could not be loaded. Build it with `dotnet build` " +
            "(needs cmake, g++ and libtorch-dev; see README.md). Tried:\n  " + string.Join("\n  ", failures));
    }
}
