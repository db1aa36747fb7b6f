using System.Runtime.InteropServices;

namespace Arbor.Cli.Bench;

/// <summary>
/// OpenBLAS's own sgemm, called directly (no libtorch in between): the machine's attainable SGEMM
/// rate, against which the binding's matmul is judged.
/// </summary>
public static unsafe partial class OpenBlasPeak
{
    private const int RowMajor = 101, NoTrans = 111;

    [LibraryImport("libopenblas.so.0")]
    private static partial void cblas_sgemm(int order, int transA, int transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc);

    [LibraryImport("libopenblas.so.0")]
    private static partial void openblas_set_num_threads(int n);

    public static Sample GflopsPerSecond(int n, int threads, int reps)
    {
        openblas_set_num_threads(threads);
        var rng = new Random(0);
        var a = new float[n * n];
        var b = new float[n * n];
        var c = new float[n * n];
        for (int i = 0; i < a.Length; i++) { a[i] = (float)rng.NextDouble(); b[i] = (float)rng.NextDouble(); }
        fixed (float* pa = a, pb = b, pc = c)
        {
            var (x, y, z) = ((IntPtr)pa, (IntPtr)pb, (IntPtr)pc);
            return Measure.Seconds(() => cblas_sgemm(RowMajor, NoTrans, NoTrans, n, n, n, 1, (float*)x, n, (float*)y, n, 0, (float*)z, n),
                reps, inner: 3).Map(t => 2.0 * n * n * n / t / 1e9);
        }
    }
}
