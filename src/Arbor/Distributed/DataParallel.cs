using System.Diagnostics;
using Arbor.Tensors;
using Arbor.Tensors.Distributed;

namespace Arbor.Distributed;

/// <summary>
/// Data parallelism over a torch.distributed process group, as PyTorch's DistributedDataParallel does it: every rank
/// holds the whole model, computes the gradient of its share of the global batch (its loss already weighted by its
/// share), and the gradients are summed across ranks in buckets before the optimizer step, so every rank takes the
/// same step and the weights stay identical. One process is the world of one: every collective is then a no-op, and
/// the single-process path is the same code.
/// </summary>
/// <remarks>
/// Ranks draw every random number of the global batch from the same generator and keep their rows: the union of
/// the ranks' draws is the one-process run's, so a 2-process run differs from a 1-process one only in the order of
/// floating-point sums (each rank's mean over its rows, then the sum of the ranks' weighted means).
/// </remarks>
public sealed class DataParallel : IDisposable
{
    /// <summary>DistributedDataParallel's default bucket: 25 MB of float32 gradients per all-reduce.</summary>
    public const long BucketBytes = 25L << 20;

    private readonly ProcessGroup? _group;
    private readonly Stopwatch _communication = new();

    private DataParallel(ProcessGroup? group) => _group = group;

    /// <summary>One process: no group, every collective a no-op.</summary>
    public static DataParallel Single() => new(null);

    /// <summary>Over an existing group (owned by the caller: disposing this does not destroy it).</summary>
    public static DataParallel Over(ProcessGroup group) => new(group) { _ownsGroup = false };

    /// <summary>
    /// The job torchrun or `arbor launch` describes in the environment (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT),
    /// or one process when WORLD_SIZE is unset or 1. <paramref name="timeout"/> bounds the rendezvous and every
    /// collective; it must exceed the longest stretch one rank works alone (rank 0's held-out evaluations).
    /// </summary>
    public static DataParallel FromEnvironment(TimeSpan timeout)
    {
        var world = Environment.GetEnvironmentVariable("WORLD_SIZE");
        if (string.IsNullOrWhiteSpace(world) || world.Trim() == "1") return Single();
        return new DataParallel(ProcessGroup.Create(DistributedEnvironment.Read(), timeout)) { _ownsGroup = true };
    }

    private bool _ownsGroup;

    public int Rank => _group?.Rank ?? 0;

    public int WorldSize => _group?.WorldSize ?? 1;

    /// <summary>Rank 0: the one that writes metrics, checkpoints, evaluations and the exported model.</summary>
    public bool IsMain => Rank == 0;

    public bool IsDistributed => _group is not null;

    /// <summary>Bytes this rank sent into collectives (each all-reduced element once), for the scaling numbers.</summary>
    public long BytesReduced { get; private set; }

    /// <summary>Seconds this rank spent in collectives (including waiting for slower ranks).</summary>
    public double CommunicationSeconds => _communication.Elapsed.TotalSeconds;

    /// <summary>This rank's rows of a global batch of <paramref name="total"/>: contiguous blocks
    /// in rank order, [⌊total·r/W⌋, ⌊total·(r+1)/W⌋), whose sizes differ by at most one.</summary>
    public (int Start, int Count) Shard(int total) => Shard(total, Rank, WorldSize);

    public static (int Start, int Count) Shard(int total, int rank, int worldSize)
    {
        int start = (int)((long)total * rank / worldSize), end = (int)((long)total * (rank + 1) / worldSize);
        return (start, end - start);
    }

    /// <summary>
    /// Sums every parameter's gradient across ranks, in buckets of at most <see cref="BucketBytes"/> (parameters
    /// without a gradient take part as zeros, so every rank reduces the same buckets). A no-op for one process.
    /// </summary>
    public void AllReduceGradients(IReadOnlyList<Tensor> parameters)
    {
        if (_group is null) return;
        _communication.Start();
        try
        {
            var bucket = new List<Tensor>();
            long bytes = 0;
            foreach (var p in parameters)
            {
                long size = p.NumEl * 4;
                if (bucket.Count > 0 && bytes + size > BucketBytes) { ReduceBucket(bucket); bucket.Clear(); bytes = 0; }
                bucket.Add(p);
                bytes += size;
            }
            if (bucket.Count > 0) ReduceBucket(bucket);
        }
        finally { _communication.Stop(); }
    }

    private void ReduceBucket(List<Tensor> parameters)
    {
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        var flat = Torch.Cat([.. parameters.Select(p => (p.Grad ?? Torch.ZerosLike(p)).Flatten())]);
        _group!.AllReduce(flat);
        BytesReduced += flat.NumEl * 4;
        long offset = 0;
        foreach (var p in parameters)
        {
            long n = p.NumEl;
            var reduced = flat.Narrow(0, offset, n).Reshape(p.Shape);
            // a rank whose share had nothing for this parameter (no trained edge of its part) takes the others' sum
            if (p.Grad is { } g) g.CopyFrom(reduced);
            else p.Grad = reduced.Clone();
            offset += n;
        }
    }

    /// <summary>Replaces every tensor's values by rank 0's (the weights at start and after a resume). A no-op for one process.</summary>
    public void Broadcast(IEnumerable<Tensor> tensors)
    {
        if (_group is null) return;
        _communication.Start();
        try
        {
            using var noGrad = Torch.NoGrad();
            foreach (var t in tensors) { _group.Broadcast(t, root: 0); BytesReduced += t.NumEl * t.DType.ElementSize(); }
        }
        finally { _communication.Stop(); }
    }

    /// <summary>The sums over ranks of a few numbers (loss parts, counts, a stop flag), in float64.</summary>
    public double[] Sum(params double[] values)
    {
        if (_group is null) return values;
        _communication.Start();
        try
        {
            using var scope = Torch.NewScope();
            var t = Torch.FromArray(values);
            _group.AllReduce(t);
            BytesReduced += values.Length * 8L;
            return t.ToDoubleArray();
        }
        finally { _communication.Stop(); }
    }

    /// <summary>Every rank's <paramref name="values"/> (lengths may differ), concatenated in rank order. One process: the values.</summary>
    public double[] Gather(IReadOnlyList<double> values)
    {
        if (_group is null) return [.. values];
        _communication.Start();
        try
        {
            var bytes = new byte[values.Count * 8];
            for (int i = 0; i < values.Count; i++) BitConverter.TryWriteBytes(bytes.AsSpan(i * 8), values[i]);
            var parts = _group.AllGatherBytes(bytes);
            BytesReduced += bytes.Length;
            return [.. parts.SelectMany(p => Enumerable.Range(0, p.Length / 8).Select(i => BitConverter.ToDouble(p, i * 8)))];
        }
        finally { _communication.Stop(); }
    }

    /// <summary>
    /// Whether any rank was asked to stop: ranks see a signal at slightly different moments, and one that stopped alone
    /// would leave the others waiting in the next collective. Every rank calls it at the same point of each step.
    /// </summary>
    public bool AnyRank(bool flag) => _group is null ? flag : Sum(flag ? 1 : 0)[0] > 0;

    /// <summary>Returns once every rank has called it.</summary>
    public void Barrier()
    {
        if (_group is null) return;
        _communication.Start();
        try { _group.Barrier(); }
        finally { _communication.Stop(); }
    }

    public override string ToString() => _group is null ? "one process" : $"rank {Rank} of {WorldSize} ({_group.Backend})";

    public void Dispose()
    {
        if (_ownsGroup) _group?.Dispose();
    }
}
