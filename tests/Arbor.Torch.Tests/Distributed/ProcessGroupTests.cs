using Arbor.TestKit;
using System.Diagnostics;
using Arbor.Tensors.Distributed;

namespace Arbor.Tensors.Tests.Distributed;

// this test assembly also sees the binding's internal Arbor.Tensors.ReduceOp (reduction op codes)
using ReduceOp = Arbor.Tensors.Distributed.ReduceOp;

/// <summary>Process groups open TCP ports and threads and read the process environment, so they run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessGroupCollection
{
    public const string Name = "torch.distributed process groups";
}

/// <summary>
/// Collectives between ranks that are threads of this process, each with its own process group: Gloo over TCP on
/// 127.0.0.1 behaves as between processes (every rank has its own store client, Gloo context and sockets).
/// </summary>
[Collection(ProcessGroupCollection.Name)]
public class ProcessGroupTests
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Runs <paramref name="body"/> as every rank of a fresh group, one thread per rank, and rethrows the first
    /// rank's failure; a rank that has not finished in <paramref name="limit"/> fails the test instead of hanging it.
    /// </summary>
    private static void RunRanks(int worldSize, TimeSpan timeout, Action<ProcessGroup> body, TimeSpan? limit = null)
    {
        int port = Ports.Free();
        var errors = new Exception?[worldSize];
        var threads = Enumerable.Range(0, worldSize).Select(rank => new Thread(() =>
        {
            try
            {
                using var pg = ProcessGroup.Create(rank, worldSize, "127.0.0.1", port, timeout);
                body(pg);
            }
            catch (Exception e) { errors[rank] = e; }
        })
        { IsBackground = true, Name = $"rank {rank}" }).ToList();
        threads.ForEach(t => t.Start());
        var deadline = Stopwatch.StartNew();
        var max = limit ?? TimeSpan.FromSeconds(20);
        foreach (var (t, rank) in threads.Select((t, i) => (t, i)))
        {
            Assert.True(t.Join(max - deadline.Elapsed > TimeSpan.Zero ? max - deadline.Elapsed : TimeSpan.Zero),
                        $"rank {rank} hung (> {max.TotalSeconds} s)");
        }
        for (int r = 0; r < worldSize; r++)
            if (errors[r] is { } e) throw new Xunit.Sdk.XunitException($"rank {r} failed: {e}");
    }

    [Fact]
    public void GlooIsCompiledIn() => Assert.Contains("gloo", ProcessGroup.AvailableBackends);

    [Fact]
    public void AllReduceSumAndMeanGiveExactValuesInPlace()
    {
        long before = Torch.LiveTensors;
        RunRanks(2, Short, pg =>
        {
            int r = pg.Rank;
            using var f = Torch.FromArray(new float[] { r + 1, 2 * (r + 1), -0.5f * r }, [3]);
            pg.AllReduce(f, ReduceOp.Sum);
            Assert.Equal(new float[] { 3, 6, -0.5f }, f.ToArray<float>());

            using var m = Torch.FromArray(new double[] { r + 1, 10 * r, 0.25 }, [3]);
            pg.AllReduce(m, ReduceOp.Mean);
            Assert.Equal(new double[] { 1.5, 5, 0.25 }, m.ToArray<double>());

            using var i = Torch.FromArray(new long[] { r, 100 + r }, [2]);
            pg.AllReduce(i);
            Assert.Equal(new long[] { 1, 201 }, i.ToArray<long>());

            // a non-contiguous view is reduced through a copy and written back into the caller's tensor
            using var grid = Torch.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
            using var view = grid.Transpose(0, 1);
            Assert.False(view.IsContiguous);
            pg.AllReduce(view, ReduceOp.Mean);
            Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, grid.ToArray<float>());
            pg.AllReduce(view, ReduceOp.Sum);
            Assert.Equal(new float[] { 2, 4, 6, 8, 10, 12 }, grid.ToArray<float>());

            // a parameter (a leaf that requires grad) is averaged in place, outside autograd
            using var w = Torch.Full([2], pg.Rank == 0 ? 1.0 : 3.0, requiresGrad: true);
            pg.AllReduce(w, ReduceOp.Mean);
            Assert.Equal(new float[] { 2, 2 }, w.ToArray<float>());
            Assert.True(w.RequiresGrad);
        });
        Assert.Equal(before, Torch.LiveTensors);
    }

    [Fact]
    public void BroadcastFromRankOneReplacesEveryRanksValues()
    {
        RunRanks(2, Short, pg =>
        {
            using var t = Torch.FromArray(pg.Rank == 1 ? new float[] { 7, 8, 9, 10 } : new float[] { 0, 0, 0, 0 }, [2, 2]);
            pg.Broadcast(t, root: 1);
            Assert.Equal(new float[] { 7, 8, 9, 10 }, t.ToArray<float>());
            Assert.Equal([2L, 2L], t.Shape);
        });
    }

    [Fact]
    public void AllGatherReturnsEveryRanksTensorInRankOrder()
    {
        long before = Torch.LiveTensors;
        RunRanks(3, Short, pg =>
        {
            using var t = Torch.Full([2, 3], 10 * pg.Rank + 1);
            var all = pg.AllGather(t);
            try
            {
                Assert.Equal(3, all.Length);
                for (int r = 0; r < 3; r++)
                {
                    Assert.Equal([2L, 3L], all[r].Shape);
                    Assert.All(all[r].ToArray<float>(), v => Assert.Equal(10 * r + 1, v));
                }
            }
            finally { foreach (var a in all) a.Dispose(); }
        });
        Assert.Equal(before, Torch.LiveTensors);
    }

    [Fact]
    public void AllGatherBytesCarriesPayloadsOfUnequalSizesIncludingEmpty()
    {
        long before = Torch.LiveTensors;
        byte[] Payload(int rank) => rank switch
        {
            0 => [],
            1 => [1, 2, 3],
            _ => [255, 0, 7, 7, 7, 0, 42],
        };
        RunRanks(3, Short, pg =>
        {
            var all = pg.AllGatherBytes(Payload(pg.Rank));
            Assert.Equal(3, all.Length);
            for (int r = 0; r < 3; r++) Assert.Equal(Payload(r), all[r]);

            var empty = pg.AllGatherBytes(Array.Empty<byte>());
            Assert.All(empty, Assert.Empty);

            var text = pg.AllGatherBytes(System.Text.Encoding.UTF8.GetBytes($"rank {pg.Rank} says ü{new string('x', pg.Rank * 1000)}"));
            for (int r = 0; r < 3; r++)
                Assert.Equal($"rank {r} says ü{new string('x', r * 1000)}", System.Text.Encoding.UTF8.GetString(text[r]));
        });
        Assert.Equal(before, Torch.LiveTensors);
    }

    [Fact]
    public void BarrierWaitsForTheLastRank()
    {
        var released = new TimeSpan[2];
        var clock = Stopwatch.StartNew();
        var lateArrival = TimeSpan.Zero;
        RunRanks(2, Short, pg =>
        {
            pg.Barrier();   // both here: the groups are up
            if (pg.Rank == 1)
            {
                Thread.Sleep(400);
                lateArrival = clock.Elapsed;
            }
            pg.Barrier();
            released[pg.Rank] = clock.Elapsed;
        });
        Assert.True(released[0] >= lateArrival, $"rank 0 left the barrier at {released[0]}, before rank 1 reached it at {lateArrival}");
    }

    [Fact]
    public void AllReduceThatAPeerNeverJoinsTimesOutNamingRankAndOperation()
    {
        var timeout = TimeSpan.FromSeconds(2);
        TorchException? error = null;
        var took = TimeSpan.Zero;
        using var rank0Done = new ManualResetEventSlim();
        RunRanks(2, timeout, pg =>
        {
            pg.Barrier();
            if (pg.Rank == 1)
            {
                rank0Done.Wait(TimeSpan.FromSeconds(15));   // alive, connected, but never calls allreduce
                return;
            }
            using var t = Torch.Ones([4]);
            var sw = Stopwatch.StartNew();
            try { error = Assert.Throws<TorchException>(() => pg.AllReduce(t)); }
            finally { took = sw.Elapsed; rank0Done.Set(); }
            // the ranks are now out of step: the group refuses to go on, with the first error
            var again = Assert.Throws<TorchException>(() => pg.Barrier());
            Assert.StartsWith("rank 0: barrier refused: the process group failed earlier (rank 0: allreduce timed out", again.Message);
        });
        Assert.NotNull(error);
        Assert.StartsWith("rank 0: allreduce timed out after 2 s", error!.Message);
        Assert.InRange(took, timeout - TimeSpan.FromMilliseconds(100), timeout + TimeSpan.FromSeconds(2));
    }

    [Fact]
    public void APeerThatLeavesMakesTheOtherRankFailInsteadOfHanging()
    {
        var timeout = TimeSpan.FromSeconds(4);
        TorchException? error = null;
        var took = TimeSpan.Zero;
        using var rank1Gone = new ManualResetEventSlim();
        int port = Ports.Free();
        var rank1 = new Thread(() =>
        {
            try
            {
                var pg = ProcessGroup.Create(1, 2, "127.0.0.1", port, timeout);
                using (var t = Torch.Ones([3])) pg.AllReduce(t);
                pg.Dispose();   // leaves mid-job: its sockets close
            }
            finally { rank1Gone.Set(); }
        })
        { IsBackground = true };
        rank1.Start();
        using (var pg = ProcessGroup.Create(0, 2, "127.0.0.1", port, timeout))
        {
            using var t = Torch.Ones([3]);
            pg.AllReduce(t);
            Assert.Equal(new float[] { 2, 2, 2 }, t.ToArray<float>());
            Assert.True(rank1Gone.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken), "rank 1 did not leave");
            var sw = Stopwatch.StartNew();
            error = Assert.Throws<TorchException>(() => pg.AllReduce(t));
            took = sw.Elapsed;
        }
        Assert.True(rank1.Join(TimeSpan.FromSeconds(10)));
        Assert.StartsWith("rank 0: allreduce ", error!.Message);
        Assert.True(took < timeout + TimeSpan.FromSeconds(2), $"took {took}");
    }

    [Fact]
    public void InitWithoutTheOtherRanksTimesOutNamingTheMissingRank()
    {
        var timeout = TimeSpan.FromSeconds(2);
        int port = Ports.Free();
        // rank 0 serves the store, rank 1 joins, rank 2 never comes
        string? rank1Error = null;
        var rank1 = new Thread(() =>
        {
            try { ProcessGroup.Create(1, 3, "127.0.0.1", port, timeout).Dispose(); }
            catch (TorchException x) { rank1Error = x.Message; }
        })
        { IsBackground = true };
        var sw = Stopwatch.StartNew();
        rank1.Start();
        var e = Assert.Throws<TorchException>(() => ProcessGroup.Create(0, 3, "127.0.0.1", port, timeout));
        var took = sw.Elapsed;
        Assert.Equal($"rank 0: process group init timed out after 2 s waiting for rank 2 (2 of 3 joined at 127.0.0.1:{port})", e.Message);
        Assert.InRange(took, TimeSpan.FromSeconds(1.5), timeout + TimeSpan.FromSeconds(2));
        Assert.True(rank1.Join(TimeSpan.FromSeconds(10)), "rank 1 hung in init");
        Assert.StartsWith("rank 1: process group init", rank1Error);
    }

    [Fact]
    public void InitWithoutAStoreServerTimesOut()
    {
        var timeout = TimeSpan.FromSeconds(2);
        int port = Ports.Free();
        var sw = Stopwatch.StartNew();
        var e = Assert.Throws<TorchException>(() => ProcessGroup.Create(1, 2, "127.0.0.1", port, timeout));
        var took = sw.Elapsed;
        // the client retries connecting (rank 0 may start later), until the timeout
        Assert.StartsWith($"rank 1: process group init (store at 127.0.0.1:{port}, world size 2) timed out after 2 s", e.Message);
        Assert.True(took < timeout + TimeSpan.FromSeconds(3), $"took {took}: {e.Message}");
    }

    [Fact]
    public void ArgumentErrorsNameTheRankAndLeaveTheGroupUsable()
    {
        using var pg = ProcessGroup.Create(0, 1, "127.0.0.1", Ports.Free(), Short);
        Assert.Equal((0, 1, 0), (pg.Rank, pg.WorldSize, pg.LocalRank));
        using var t = Torch.FromArray(new float[] { 1, 2 }, [2]);
        var bad = Assert.Throws<TorchException>(() => pg.Broadcast(t, root: 1));
        Assert.Equal("rank 0: broadcast: root 1 out of range for world size 1", bad.Message);
        using var ints = Torch.FromArray(new long[] { 1, 2 }, [2]);
        var mean = Assert.Throws<TorchException>(() => pg.AllReduce(ints, ReduceOp.Mean));
        Assert.StartsWith("rank 0: allreduce mean needs a floating-point tensor", mean.Message);
        pg.AllReduce(t, ReduceOp.Mean);
        Assert.Equal(new float[] { 1, 2 }, t.ToArray<float>());
        pg.Barrier();
        Assert.Equal([[9, 8]], pg.AllGatherBytes([9, 8]));
        pg.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pg.Barrier());
    }

    [Fact]
    public void CreateRejectsBadArgumentsNamingTheRank()
    {
        Assert.Equal("rank 2: process group init: rank out of range for world size 2",
                     Assert.Throws<TorchException>(() => ProcessGroup.Create(2, 2, "127.0.0.1", 29500, Short)).Message);
        Assert.StartsWith("rank 0: process group init: backend nccl: this shim was built without NCCL",
                          Assert.Throws<TorchException>(() => ProcessGroup.Create(0, 1, "127.0.0.1", 29500, Short, "nccl")).Message);
        Assert.StartsWith("rank 0: process group init: master port 0",
                          Assert.Throws<TorchException>(() => ProcessGroup.Create(0, 1, "127.0.0.1", 0, Short)).Message);
    }

    private static DistributedEnvironment Parse(params (string Name, string Value)[] vars) =>
        DistributedEnvironment.Parse(name => vars.FirstOrDefault(v => v.Name == name).Value);

    private static readonly (string, string)[] Complete =
        [("RANK", "1"), ("WORLD_SIZE", "4"), ("LOCAL_RANK", "1"), ("MASTER_ADDR", "10.0.0.2"), ("MASTER_PORT", "29501")];

    [Fact]
    public void EnvironmentIsReadAsTorchrunWritesIt()
    {
        Assert.Equal(new DistributedEnvironment(1, 4, 1, "10.0.0.2", 29501), Parse(Complete));
        // without LOCAL_RANK (some launchers omit it) the local rank is the rank
        Assert.Equal(3, Parse(("RANK", "3"), ("WORLD_SIZE", "4"), ("MASTER_ADDR", "h"), ("MASTER_PORT", "1")).LocalRank);
    }

    [Theory]
    [InlineData("RANK", null, "the distributed environment variable RANK is not set")]
    [InlineData("WORLD_SIZE", null, "the distributed environment variable WORLD_SIZE is not set")]
    [InlineData("MASTER_ADDR", "", "the distributed environment variable MASTER_ADDR is not set")]
    [InlineData("MASTER_PORT", null, "the distributed environment variable MASTER_PORT is not set")]
    [InlineData("WORLD_SIZE", "two", "invalid distributed environment: WORLD_SIZE='two' is not an integer")]
    [InlineData("WORLD_SIZE", "0", "invalid distributed environment: WORLD_SIZE=0 must be at least 1")]
    [InlineData("RANK", "4", "invalid distributed environment: RANK=4 is out of range for WORLD_SIZE=4")]
    [InlineData("RANK", "-1", "invalid distributed environment: RANK=-1 must be at least 0")]
    [InlineData("LOCAL_RANK", "x", "invalid distributed environment: LOCAL_RANK='x' is not an integer")]
    [InlineData("LOCAL_RANK", "2", "invalid distributed environment: LOCAL_RANK=2 is larger than RANK=1")]
    [InlineData("MASTER_PORT", "70000", "invalid distributed environment: MASTER_PORT=70000 is not a TCP port")]
    [InlineData("MASTER_ADDR", "a b", "invalid distributed environment: MASTER_ADDR='a b' contains white space")]
    public void EnvironmentErrorsNameTheVariable(string name, string? value, string expected)
    {
        var vars = Complete.Where(v => v.Item1 != name).ToList();
        if (value is not null) vars.Add((name, value));
        var e = Assert.Throws<InvalidOperationException>(() => Parse([.. vars]));
        Assert.StartsWith(expected, e.Message);
        if (value is null) Assert.Contains("RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT", e.Message);
    }

    [Fact]
    public void FromEnvironmentJoinsTheGroupTheVariablesDescribe()
    {
        string[] names = [.. DistributedEnvironment.Variables];
        var saved = names.ToDictionary(n => n, Environment.GetEnvironmentVariable);
        try
        {
            Environment.SetEnvironmentVariable("RANK", "0");
            Environment.SetEnvironmentVariable("WORLD_SIZE", "1");
            Environment.SetEnvironmentVariable("LOCAL_RANK", null);
            Environment.SetEnvironmentVariable("MASTER_ADDR", "127.0.0.1");
            Environment.SetEnvironmentVariable("MASTER_PORT", Ports.Free().ToString());
            using (var pg = ProcessGroup.FromEnvironment(Short))
            {
                Assert.Equal((0, 1, 0, "gloo", Short), (pg.Rank, pg.WorldSize, pg.LocalRank, pg.Backend, pg.Timeout));
                pg.Barrier();
            }
            Environment.SetEnvironmentVariable("MASTER_PORT", null);
            var e = Assert.Throws<InvalidOperationException>(() => ProcessGroup.FromEnvironment(Short));
            Assert.StartsWith("the distributed environment variable MASTER_PORT is not set", e.Message);
        }
        finally
        {
            foreach (var (n, v) in saved) Environment.SetEnvironmentVariable(n, v);
        }
    }
}
