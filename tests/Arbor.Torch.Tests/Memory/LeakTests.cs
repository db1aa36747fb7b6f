using System.Diagnostics;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;

namespace Arbor.Tensors.Tests.Memory;

public class LeakTests
{
    // glibc keeps freed blocks in per-thread arenas; which arena a block lands in depends on thread timing, so under
    // machine load RSS wanders by megabytes without any leak. Returning free memory to the OS first leaves a
    // reading that moves only with memory still in use.
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int MallocTrim(nuint pad);

    private static long RssBytes()
    {
        MallocTrim(0);
        // VmRSS from /proc/self/status: what the OS charges the process, native memory included.
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) * 1024;
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
        long rss0 = RssBytes();
        long managed0 = GC.GetGCMemoryInfo().TotalCommittedBytes;
        for (int i = 0; i < 2000; i++)
        {
            Step();
            if (i % 500 == 0) Assert.Equal(baseline, Torch.UnreleasedTensors);
        }
        Assert.Equal(baseline, Torch.UnreleasedTensors);
        GC.Collect();
        // Stated bound: 2,000 steps may not grow the process's native memory by more than 8 MB (a leak of
        // one 64x16 float tensor per step would be 8 MB). The GC's own committed memory is excluded: it
        // may keep what it freed, and it is not what a binding leaks.
        long managedGrowth = GC.GetGCMemoryInfo().TotalCommittedBytes - managed0;
        long growth = RssBytes() - rss0 - Math.Max(0, managedGrowth);
        Assert.True(growth < 8L << 20, $"native memory grew by {growth / 1024} KiB over 2,000 steps (managed {managedGrowth / 1024} KiB)");
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
