namespace Arbor.Tensors;

/// <summary>
/// The thread counts Arbor starts with. libtorch's intra-op pool (OpenMP: elementwise, conv via oneDNN,
/// reductions) and OpenBLAS's pthread pool (sgemm under matmul/linear) are separate and never run at
/// the same time, so both span all cores; with OpenMP's passive waiting (set by the native loader)
/// they do not contend. Measured on the 2-core machine (docs/BENCHMARKS.md, "threads"): this is the
/// fastest split for both linear-heavy and conv-heavy work. ARBOR_THREADS and ARBOR_BLAS_THREADS override it.
/// </summary>
public static class ThreadDefaults
{
    public static (int IntraOp, int Blas) Resolve()
    {
        int cores = Math.Max(1, Environment.ProcessorCount);
        return (FromEnv("ARBOR_THREADS") ?? cores, FromEnv("ARBOR_BLAS_THREADS") ?? FromEnv("ARBOR_THREADS") ?? cores);
    }

    public static void Apply()
    {
        var (intra, blas) = Resolve();
        TorchRuntime.IntraOpThreads = intra;
        if (TorchRuntime.BlasThreads >= 0) TorchRuntime.BlasThreads = blas;
    }

    private static int? FromEnv(string name)
    {
        var v = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(v)) return null;
        if (!int.TryParse(v, out var n) || n < 1) throw new ArgumentException($"{name}='{v}' is not a positive thread count");
        return n;
    }
}
