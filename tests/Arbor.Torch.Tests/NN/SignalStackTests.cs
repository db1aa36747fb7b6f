using Arbor.Tensors.NN;

namespace Arbor.Tensors.Tests.NN;

public class SignalStackTests
{
    /// <summary>
    /// On a CPU with AMX, a bf16 product leaves the tile state in every later signal frame of its thread, and .NET's own
    /// alternate signal stack was too small for it: this test's null dereference killed the test process with SIGSEGV
    /// (src/Arbor.Torch/Runtime/SignalStack.cs). Elsewhere it checks that the bf16 scope leaves exceptions alone.
    /// </summary>
    [Fact]
    public void ANullDereferenceAfterABf16ProductOnTheSameThreadIsANullReferenceException()
    {
        using var gen = new Generator(5);
        using (var scope = Torch.NewScope())
        using (ComputePrecision.Use(Precision.Bf16))
        {
            // large enough that oneDNN takes its AMX kernels where there are any
            var y = F.Linear(Torch.Randn([256, 256], gen), Torch.Randn([256, 256], gen));
            Assert.Equal(DType.Float32, y.DType);
        }
        string? nothing = Environment.GetEnvironmentVariable("ARBOR_TEST_UNSET_" + Guid.NewGuid().ToString("N"));

        Assert.Throws<NullReferenceException>(() => nothing!.Length);
    }
}
