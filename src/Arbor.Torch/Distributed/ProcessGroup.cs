using System.Text;
using Arbor.Tensors.Native;

namespace Arbor.Tensors.Distributed;

/// <summary>
/// A torch.distributed (c10d) process group: the ranks of one job, met through a TCPStore that rank 0 serves at
/// the master address and port, talking over Gloo (CPU tensors). Every rank must create it, and then call the same
/// collectives in the same order with tensors of the same shape and dtype.
/// <para>
/// Every call is bounded by <see cref="Timeout"/>: a peer that hangs or dies makes it throw a
/// <see cref="TorchException"/> whose message names this rank and the operation ("rank 1: allreduce timed out after
/// 5 s (...)", "rank 0: broadcast from rank 1 failed: ... Connection closed by peer ..."). After such a failure the
/// ranks are out of step, so the group refuses further collectives; dispose it. Argument errors (a bad root, an
/// integer tensor for a mean) leave it usable.
/// </para>
/// <para>
/// Owns one native group, freed by <see cref="Dispose"/> (which waits for work in flight, at most the timeout);
/// calls are blocking and must come from one thread at a time. Tensors passed in stay owned by the caller; the
/// tensors <see cref="AllGather"/> returns belong to the current <see cref="TensorScope"/> as any op's results do.
/// </para>
/// </summary>
public sealed unsafe class ProcessGroup : IDisposable
{
    /// <summary>torch's default for process groups.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    private IntPtr _handle;

    private ProcessGroup(IntPtr handle, int rank, int worldSize, int localRank, string backend, TimeSpan timeout)
    {
        _handle = handle;
        Rank = rank;
        WorldSize = worldSize;
        LocalRank = localRank;
        Backend = backend;
        Timeout = timeout;
    }

    /// <summary>This process's rank, 0..<see cref="WorldSize"/>-1.</summary>
    public int Rank { get; }

    public int WorldSize { get; }

    /// <summary>This process's index among the ranks on its machine (LOCAL_RANK).</summary>
    public int LocalRank { get; }

    public string Backend { get; }

    /// <summary>The bound on the rendezvous and on every collective.</summary>
    public TimeSpan Timeout { get; }

    /// <summary>The backends the native shim was compiled with ("gloo"; empty without Gloo).</summary>
    public static IReadOnlyList<string> AvailableBackends
    {
        get
        {
            Span<byte> buf = stackalloc byte[64];
            int n;
            fixed (byte* p = buf) n = NativeMethods.arb_pg_backends(p, buf.Length);
            var s = Encoding.UTF8.GetString(buf[..Math.Min(n, buf.Length - 1)]);
            return s.Split(',', StringSplitOptions.RemoveEmptyEntries);
        }
    }

    /// <summary>
    /// Joins the job described by torchrun's variables (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT);
    /// a missing or invalid variable is an <see cref="InvalidOperationException"/> naming it.
    /// </summary>
    public static ProcessGroup FromEnvironment(TimeSpan? timeout = null, string backend = "gloo") =>
        Create(DistributedEnvironment.Read(), timeout ?? DefaultTimeout, backend);

    public static ProcessGroup Create(DistributedEnvironment env, TimeSpan timeout, string backend = "gloo") =>
        Create(env.Rank, env.WorldSize, env.MasterAddress, env.MasterPort, timeout, backend, env.LocalRank);

    /// <summary>
    /// Joins a job of <paramref name="worldSize"/> ranks as <paramref name="rank"/>; blocks until every rank has
    /// joined (or <paramref name="timeout"/> passes). <paramref name="localRank"/> defaults to the rank.
    /// </summary>
    public static ProcessGroup Create(int rank, int worldSize, string masterAddress, int masterPort, TimeSpan timeout,
                                      string backend = "gloo", int? localRank = null)
    {
        ArgumentNullException.ThrowIfNull(masterAddress);
        ArgumentNullException.ThrowIfNull(backend);
        if (timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "the timeout must be positive");
        long ms = (long)Math.Ceiling(timeout.TotalMilliseconds);
        var addr = Encoding.UTF8.GetBytes(masterAddress + "\0");
        var be = Encoding.UTF8.GetBytes(backend + "\0");
        IntPtr h;
        fixed (byte* a = addr)
        fixed (byte* b = be)
            h = NativeMethods.arb_pg_new(b, rank, worldSize, a, masterPort, ms);
        if (h == IntPtr.Zero) throw Check.Failure($"rank {rank}: process group init failed without a message");
        return new ProcessGroup(h, rank, worldSize, localRank ?? rank, backend, timeout);
    }

    private IntPtr Handle => _handle != IntPtr.Zero ? _handle
        : throw new ObjectDisposedException(nameof(ProcessGroup), $"rank {Rank}: the process group was disposed");

    /// <summary>Replaces <paramref name="tensor"/>'s values, on every rank, by their sum or mean over the ranks.</summary>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Check.Status(NativeMethods.arb_pg_allreduce(Handle, tensor.Handle, (int)op));
        GC.KeepAlive(tensor);
    }

    /// <summary>Replaces <paramref name="tensor"/>'s values, on every rank, by those of rank <paramref name="root"/>.</summary>
    public void Broadcast(Tensor tensor, int root = 0)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Check.Status(NativeMethods.arb_pg_broadcast(Handle, tensor.Handle, root));
        GC.KeepAlive(tensor);
    }

    /// <summary>Every rank's <paramref name="tensor"/> (same shape everywhere), in rank order, as new tensors.</summary>
    public Tensor[] AllGather(Tensor tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        var raw = new IntPtr[WorldSize];
        int n;
        fixed (IntPtr* p = raw) n = NativeMethods.arb_pg_allgather(Handle, tensor.Handle, p, raw.Length);
        GC.KeepAlive(tensor);
        Check.Status(n);
        var result = new Tensor[n];
        for (int i = 0; i < n; i++) result[i] = new Tensor(raw[i]);
        return result;
    }

    /// <summary>Every rank's payload, in rank order; payloads may differ in size (empty included).</summary>
    public byte[][] AllGatherBytes(ReadOnlySpan<byte> payload)
    {
        var sizes = new long[WorldSize];
        IntPtr raw;
        int n;
        fixed (byte* d = payload)
        fixed (long* s = sizes)
            n = NativeMethods.arb_pg_allgather_bytes(Handle, d, payload.Length, s, sizes.Length, &raw);
        Check.Status(n);
        byte[] all;
        using (var t = Tensor.Wrap(raw).DetachFromScope()) all = t.ToArray<byte>();
        var result = new byte[n][];
        int offset = 0;
        for (int r = 0; r < n; r++)
        {
            result[r] = all.AsSpan(offset, checked((int)sizes[r])).ToArray();
            offset += result[r].Length;
        }
        return result;
    }

    /// <summary>Every rank's payload, in rank order.</summary>
    public byte[][] AllGatherBytes(byte[] payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        return AllGatherBytes((ReadOnlySpan<byte>)payload);
    }

    /// <summary>Returns once every rank has called it.</summary>
    public void Barrier() => Check.Status(NativeMethods.arb_pg_barrier(Handle));

    public bool IsDisposed => _handle == IntPtr.Zero;

    /// <summary>Leaves the group (closing this rank's connections; peers still waiting on it then fail).</summary>
    public void Dispose()
    {
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero) NativeMethods.arb_pg_free(h);
    }

    public override string ToString() => $"ProcessGroup({Backend}, rank {Rank} of {WorldSize}{(IsDisposed ? ", disposed" : "")})";
}
