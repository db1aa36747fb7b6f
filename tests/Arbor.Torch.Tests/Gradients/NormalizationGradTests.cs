using Arbor.Tensors.NN;
using static Arbor.Tensors.Tests.Gradients.GradCheck;

namespace Arbor.Tensors.Tests.Gradients;

public class NormalizationGradTests
{
    [Fact]
    public void LayerNormAffineGradientsForInputWeightAndBias()
    {
        Check("layer_norm affine [5]", t => F.LayerNorm(t[0], [5], t[1], t[2]),
            Rand(100, 3, 5), Rand(101, 5), Rand(102, 5));
    }

    [Fact]
    public void LayerNormOverTwoTrailingDims()
    {
        Check("layer_norm affine [2,3]", t => F.LayerNorm(t[0], [2, 3], t[1], t[2], eps: 1e-3),
            Rand(103, 2, 2, 3), Rand(104, 2, 3), Rand(105, 2, 3));
    }

    [Fact]
    public void LayerNormWithoutAffineAndWeightOnly()
    {
        Check("layer_norm no affine", t => F.LayerNorm(t[0], [4]), Rand(106, 3, 4));
        Check("layer_norm weight only", t => F.LayerNorm(t[0], [4], t[1]), Rand(107, 3, 4), Rand(108, 4));
    }

    [Fact]
    public void GroupNormAffineGradients()
    {
        Check("group_norm 2 groups affine", t => F.GroupNorm(t[0], 2, t[1], t[2]),
            Rand(109, 2, 4, 2, 2), Rand(110, 4), Rand(111, 4));
    }

    [Fact]
    public void GroupNormWithoutAffineAndRank3()
    {
        Check("group_norm no affine", t => F.GroupNorm(t[0], 3, eps: 1e-3), Rand(112, 1, 6, 2, 2));
        Check("group_norm rank 3 [N,C,L]", t => F.GroupNorm(t[0], 1, t[1], t[2]), Rand(113, 2, 2, 3), Rand(114, 2), Rand(115, 2));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(2)]
    public void SoftmaxGradient(long dim)
    {
        Check($"softmax dim {dim}", t => t[0].Softmax(dim), Rand(116, 2, 3, 4));
        Check($"F.Softmax dim {dim}", t => F.Softmax(t[0], dim), Rand(117, 2, 3, 4));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(-1)]
    public void LogSoftmaxGradient(long dim)
    {
        Check($"log_softmax dim {dim}", t => t[0].LogSoftmax(dim), Rand(118, 2, 3, 4));
        Check($"F.LogSoftmax dim {dim}", t => F.LogSoftmax(t[0], dim), Rand(119, 2, 3, 4));
    }

    [Fact]
    public void SoftmaxOfLargeLogitsStaysFinite()
    {
        // Shifted far from zero: a naive exp would overflow; the gradient must still check.
        var data = Uniform(120, 8).Select(v => v + 800).ToArray();
        Check("softmax +800", t => t[0].Softmax(-1), In(data, 2, 4));
        Check("log_softmax +800", t => t[0].LogSoftmax(-1), In(data, 2, 4));
    }
}
