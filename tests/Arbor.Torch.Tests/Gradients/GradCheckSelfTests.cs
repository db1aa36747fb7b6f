using Xunit.Sdk;
using static Arbor.Tensors.Tests.Gradients.GradCheck;

namespace Arbor.Tensors.Tests.Gradients;

/// <summary>The checker itself: it must pass correct gradients and catch wrong ones.</summary>
public class GradCheckSelfTests
{
    [Fact]
    public void CatchesAWrongGradient()
    {
        long before = Torch.UnreleasedTensors;
        // x·detach(x) has derivative 2x, but autograd only sees the first factor: it reports x.
        var ex = Assert.ThrowsAny<XunitException>(() =>
            Check("x*detach(x)", t => t[0] * t[0].Detach(), Rand(1, 2, 3)));
        Assert.Contains("x*detach(x)", ex.Message);
        Assert.Contains("input 0", ex.Message);
        Assert.Equal(before, Torch.UnreleasedTensors);
    }

    [Fact]
    public void NamesTheInputAndElementThatDisagree()
    {
        // Only the second input's gradient is wrong (detached), and only it may be reported.
        var ex = Assert.ThrowsAny<XunitException>(() =>
            Check("a+detach(b)*b", t => t[0] + t[1].Detach() * t[1], Rand(2, 3), Rand(3, 3)));
        Assert.Contains("input 1", ex.Message);
    }

    [Fact]
    public void AcceptsAKnownCorrectGradientAndComputesIt()
    {
        // f(x) = x³: check the numbers themselves, not just their agreement.
        var x = new double[] { -1.5, 0.5, 2.0 };
        var report = Compare("cube", t => t[0] * t[0] * t[0], [In(x, 3)]);
        using (var scope = Torch.NewScope())
        {
            using var gen = new Generator(0x5EED_0F_9AAD);
            var w = Torch.Randn([3], gen, DType.Float64).ToDoubleArray();
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(3 * x[i] * x[i] * w[i], report.Analytic[0][i], 12);
                Assert.Equal(3 * x[i] * x[i] * w[i], report.Numeric[0][i], 7);
            }
        }
        report.AssertWithin(DefaultAtol, DefaultRtol);
        Assert.True(report.MaxAbsError < 1e-7);
    }

    [Fact]
    public void RejectsAVacuousCheck()
    {
        // The output does not depend on x: the gradient is zero everywhere, which proves nothing.
        Assert.ThrowsAny<XunitException>(() => Check("constant", t => (t[0] * 0.0) + 1.0, Rand(4, 4)));
    }

    [Fact]
    public void RejectsFloat32Outputs()
    {
        Assert.ThrowsAny<XunitException>(() => Check("to-float32", t => t[0].To(DType.Float32), Rand(5, 4)));
    }
}
