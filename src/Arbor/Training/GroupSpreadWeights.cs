using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Training;

/// <summary>
/// Per-pixel weights for a forward-process loss (<see cref="Strategies.PixelWeighting.GroupSpread"/>): where a group's
/// images differ. A group's advantages say which of its images the reward preferred, and only the pixels where those
/// images differ can carry why; where all of them agree (most of a Shapes image is the same background in every one),
/// an image's advantage-weighted flow-matching gradient is that image's noise and nothing the group compared, and it
/// adds up as drift (the shuffled-reward control's fall). The weight of pixel p is the spread of the group's clean
/// images there, s(p) = sqrt(mean over channels of the variance over the group), averaged over its 3x3 neighbourhood
/// (an object's edge and the pixels beside it), divided by its mean over the image so that a loss averaged with it keeps
/// its scale: m = s̄ / mean(s̄), mean 1. A group whose images are all alike weighs every pixel 1: alike up to a mean spread
/// of <see cref="AlikeSpread"/>, since images a batch computed in different rows can differ by float rounding, and divided
/// by its mean that rounding would become weights (found on an AMD EPYC, where one tree's noise-free leaves differed so).
/// </summary>
public static class GroupSpreadWeights
{
    /// <summary>The mean spread below which a group's images count as alike: 1e-4, about 1/80 of an 8-bit level in [−1, 1].</summary>
    public const double AlikeSpread = 1e-4;

    /// <summary>
    /// The map of a group's clean images <paramref name="images"/> (each [C, H, W], at least two), flattened [H·W], mean 1.
    /// </summary>
    public static float[] Of(IReadOnlyList<Tensor> images)
    {
        if (images.Count < 2) throw new ArgumentException($"a group's spread needs at least two images, got {images.Count}");
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        var stack = Torch.Stack([.. images]).To(DType.Float32);            // [G, C, H, W]
        long h = stack.Shape[2], w = stack.Shape[3];
        var spread = stack.Var(0, unbiased: false).Mean(0).Sqrt();          // [H, W]
        var box = Torch.Ones([1, 1, 3, 3]) / 9.0;
        // zero padding: a border pixel averages its in-image neighbours with zeros, as an edge should count less
        var smooth = F.Conv2d(spread.Reshape([1, 1, h, w]), box, padding: (1, 1)).Reshape([h * w]);
        double mean = smooth.Mean().Item();
        if (!(mean > AlikeSpread)) return Enumerable.Repeat(1f, (int)(h * w)).ToArray();
        return (smooth / mean).ToFloatArray();
    }
}
