using Arbor.Tensors.NN;
using static Arbor.Tensors.Tests.Gradients.GradCheck;

namespace Arbor.Tensors.Tests.Gradients;

public class LinearAlgebraGradTests
{
    [Theory]
    [InlineData("3x4", "4x2")]        // matrix · matrix
    [InlineData("4", "4x3")]          // vector · matrix
    [InlineData("3x4", "4")]          // matrix · vector
    [InlineData("4", "4")]            // dot product
    [InlineData("2x3x4", "4x2")]      // batched · broadcast matrix
    [InlineData("2x1x3x4", "3x4x2")]  // batch dims broadcast against each other
    public void MatmulGradient(string a, string b)
    {
        long[] sa = Parse(a), sb = Parse(b);
        Check($"matmul {a}·{b}", t => t[0].Matmul(t[1]), Rand(40, sa), Rand(41, sb));
        Check($"Torch.Matmul {a}·{b}", t => Torch.Matmul(t[0], t[1]), Rand(42, sa), Rand(43, sb));
    }

    [Fact]
    public void MatmulOfTransposedViewGradient()
    {
        Check("matmul(xᵀ, x)", t => t[0].Transpose(0, 1).Matmul(t[0]), Rand(44, 3, 2));
    }

    [Fact]
    public void BmmGradient()
    {
        Check("bmm", t => t[0].Bmm(t[1]), Rand(45, 2, 3, 4), Rand(46, 2, 4, 2));
    }

    [Fact]
    public void LinearWithBiasGradient()
    {
        Check("linear+bias", t => F.Linear(t[0], t[1], t[2]), Rand(47, 3, 4), Rand(48, 2, 4), Rand(49, 2));
        Check("linear+bias rank3", t => F.Linear(t[0], t[1], t[2]), Rand(50, 2, 2, 3), Rand(51, 4, 3), Rand(52, 4));
    }

    [Fact]
    public void LinearWithoutBiasGradient()
    {
        Check("linear", t => F.Linear(t[0], t[1]), Rand(53, 3, 4), Rand(54, 2, 4));
        Check("linear 1-D input", t => F.Linear(t[0], t[1]), Rand(55, 4), Rand(56, 3, 4));
    }

    internal static long[] Parse(string shape) => shape.Split('x').Select(long.Parse).ToArray();
}
