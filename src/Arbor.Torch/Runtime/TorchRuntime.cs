using System.Text;
using Arbor.Tensors.Native;

namespace Arbor.Tensors;

/// <summary>What libtorch this process runs on, and how many threads it uses.</summary>
public static unsafe class TorchRuntime
{
    private delegate int StringGetter(byte* buf, int cap);

    private static string ReadString(StringGetter get)
    {
        int need = get(null, 0);
        Check.Status(need);
        var buf = new byte[need + 1];
        fixed (byte* p = buf) get(p, buf.Length);
        return Encoding.UTF8.GetString(buf, 0, need);
    }

    public static string LibTorchVersion => ReadString(NativeMethods.arb_version);

    /// <summary>libtorch's build configuration (at::show_config()).</summary>
    public static string BuildConfig => ReadString(NativeMethods.arb_config);

    /// <summary>OpenBLAS's configuration string, or empty when another BLAS is loaded.</summary>
    public static string BlasInfo => ReadString(NativeMethods.arb_blas_info);

    public static bool CudaAvailable => NativeMethods.arb_cuda_is_available() == 1;
    public static int CudaDeviceCount => NativeMethods.arb_cuda_device_count();

    public static void CudaSynchronize(int device = 0) => Check.Status(NativeMethods.arb_cuda_synchronize(device));

    /// <summary>libtorch's intra-op threads (its OpenMP pool: elementwise kernels, conv, reductions).</summary>
    public static int IntraOpThreads
    {
        get => NativeMethods.arb_get_num_threads();
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), "thread count must be >= 1");
            Check.Status(NativeMethods.arb_set_num_threads(value));
        }
    }

    /// <summary>OpenBLAS's own threads (matmul/linear); -1 when OpenBLAS is not the BLAS in use.</summary>
    public static int BlasThreads
    {
        get => NativeMethods.arb_get_blas_threads();
        set
        {
            if (value < 1) throw new ArgumentOutOfRangeException(nameof(value), "thread count must be >= 1");
            NativeMethods.arb_set_blas_threads(value);
        }
    }

    /// <summary>
    /// Sets both pools. On a machine with few cores, libtorch's OpenMP pool and OpenBLAS's pthread pool
    /// compete for the same cores if both are wide. The measured default is in docs/BENCHMARKS.md (threads).
    /// </summary>
    public static void SetThreads(int intraOp, int blas)
    {
        IntraOpThreads = intraOp;
        BlasThreads = blas;
    }
}
