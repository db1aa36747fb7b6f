using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;

namespace Arbor.Tensors.Tests.Memory;

/// <summary>
/// Live-tensor counts and the process's memory are process-wide: tests running beside these would move them, and did
/// (CI once saw 8.6 MB of RSS "growth" that was another test's allocations). So these tests run alone.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LeakTestCollection
{
    public const string Name = "Process-wide memory accounting";
}

[Collection(LeakTestCollection.Name)]
public class LeakTests
{
    // glibc keeps freed blocks in per-thread arenas; which arena a block lands in depends on thread timing, so under
    // machine load RSS wanders by megabytes without any leak. Returning free memory to the OS first leaves a
    // reading that moves only with memory still in use.
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    // glibc's own count of bytes handed out and not yet freed, summed over every arena (mallinfo2, glibc >= 2.33):
    // exact, and blind to fragmentation and to what the allocator keeps cached, so it sees a leak RSS would blur.
    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct MallInfo2
    {
        public nuint Arena, Ordblks, Smblks, Hblks, Hblkhd, Usmblks, Fsmblks, Uordblks, Fordblks, Keepcost;
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "mallinfo2")]
    private static extern MallInfo2 MallInfo();

    private static long MallocInUseBytes()
    {
        var info = MallInfo();
        return (long)(info.Uordblks + info.Hblkhd);   // in-use bytes in arenas + bytes in mmapped blocks
    }

    private static long RssBytes()
    {
        MallocTrim(0);
        // VmRSS from /proc/self/status: what the OS charges the process, native memory included.
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
        }
        throw new InvalidOperationException("no VmRSS");
    }

    [Fact]
    public void TwoThousandTrainingStepsLeaveLiveTensorsAtBaselineAndRssFlat()
    {
        using var gen = new Generator(1);
        using var model = new Sequential(new Linear(16, 64, generator: gen), Activation.Gelu(), new Linear(64, 1, generator: gen));
        using var opt = new AdamW(model.NamedParameters());
        using var data = Torch.NewScope();
        var x = Torch.Randn([32, 16], gen);
        var y = Torch.Randn([32, 1], gen);

        void Step()
        {
            using var scope = Torch.NewScope();
            var loss = F.MseLoss(model.Forward(x), y);
            opt.ZeroGrad();
            loss.Backward();
            GradClip.ClipByGlobalNorm(model.Parameters(), 1.0);
            opt.Step();
            _ = loss.Item();
        }

        // Warm up: optimizer state, allocator caches and JIT settle in the first steps.
        for (int i = 0; i < 200; i++) Step();
        long baseline = Torch.UnreleasedTensors;
        GC.Collect();
        GC.WaitForPendingFinalizers();   // garbage of earlier tests is not this test's leak
        long finalizedBefore = Torch.FinalizedTensors;
        // Memory is read after each of eight windows of 250 steps. A leak grows memory in every window; the runtime and
        // the allocators also make rare one-off allocations (seen here: a single 4-6 MB step, at a random window,
        // only after the rest of the suite had run), which are not leaks. The median window's growth sees the first
        // and ignores the second. The GC's own committed memory is excluded: it may keep what it freed, and it is not
        // what a binding leaks.
        const int windows = 8, stepsPerWindow = 250;
        var inUseGrowth = new List<long>();
        var rssGrowth = new List<long>();
        GC.Collect();
        long inUse = MallocInUseBytes(), rss = RssBytes(), managed = GC.GetGCMemoryInfo().TotalCommittedBytes;
        for (int w = 0; w < windows; w++)
        {
            for (int i = 0; i < stepsPerWindow; i++) Step();
            Assert.Equal(baseline, Torch.UnreleasedTensors);
            // A collection first: the GC's committed figure is as of its last collection, and gen0 fills pages
            // between collections, so without one the managed heap's growth would read as native.
            GC.Collect();
            long inUseNow = MallocInUseBytes(), rssNow = RssBytes(), managedNow = GC.GetGCMemoryInfo().TotalCommittedBytes;
            inUseGrowth.Add(inUseNow - inUse);
            rssGrowth.Add(rssNow - rss - Math.Max(0, managedNow - managed));
            (inUse, rss, managed) = (inUseNow, rssNow, managedNow);
        }
        static long Median(List<long> values) => values.Order().ElementAt(values.Count / 2);
        static string Kib(List<long> values) => string.Join(", ", values.Select(v => $"{v / 1024}"));
        // Stated bounds per 250-step window: malloc'd bytes in use by 32 KB (a leak of 128 B, one 32-float tensor, per
        // step would be 32 KB), RSS by 256 KB (a leak of 1 KB per step).
        Assert.True(Median(inUseGrowth) < 32L << 10, $"malloc'd memory in use grew in most 250-step windows (KiB: {Kib(inUseGrowth)})");
        Assert.True(Median(rssGrowth) < 256L << 10, $"native RSS grew in most 250-step windows (KiB: {Kib(rssGrowth)})");
        Assert.Equal(finalizedBefore, Torch.FinalizedTensors);
    }

    // Not inlined: the caller's frame must hold no reference to the forgotten tensor.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void Leak() => _ = Torch.Ones([3]);   // no scope, never disposed

    [Fact]
    public void AForgottenTensorIsCountedWhenTheFinalizerFreesIt()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = Torch.FinalizedTensors;
        Leak();
        for (int i = 0; i < 5 && Torch.FinalizedTensors == before; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.Equal(before + 1, Torch.FinalizedTensors);
    }
}
