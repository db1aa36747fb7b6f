using Arbor.Tensors.NN;
using static Arbor.Tensors.Tests.Gradients.GradCheck;

namespace Arbor.Tensors.Tests.Gradients;

public class MiscGradTests
{
    [Fact]
    public void EmbeddingWeightGradient()
    {
        using var scope = Torch.NewScope();
        // Repeated indices must accumulate; row 4 is never looked up and must get zero gradient.
        var indices = Torch.FromArray(new long[] { 1, 3, 1, 0, 2, 1 }, [2, 3]);
        Check("embedding", t => F.Embedding(indices, t[0]), Rand(180, 5, 3));

        var w = Torch.FromArray(Uniform(181, 15), [5, 3]);
        w.RequiresGrad = true;
        F.Embedding(indices, w).Sum().Backward();
        var g = w.Grad!.ToDoubleArray();
        var counts = new double[] { 1, 3, 1, 1, 0 };
        for (int row = 0; row < 5; row++)
        {
            for (int c = 0; c < 3; c++)
                Assert.Equal(counts[row], g[row * 3 + c]);
        }
    }

    [Fact]
    public void DropoutInEvalModeIsTheIdentity()
    {
        long before = Torch.UnreleasedTensors;
        using (var scope = Torch.NewScope())
        {
            var data = Uniform(182, 20);
            var x = Torch.FromArray(data, [4, 5]);
            x.RequiresGrad = true;
            var y = F.Dropout(x, 0.5, training: false);
            Assert.Equal(data, y.ToDoubleArray());
            y.Sum().Backward();
            Assert.All(x.Grad!.ToDoubleArray(), v => Assert.Equal(1.0, v));
        }
        Assert.Equal(before, Torch.UnreleasedTensors);
    }

    [Fact]
    public void DropoutGradientIsTheScaledMaskOfTheOutput()
    {
        const double p = 0.4;
        long before = Torch.UnreleasedTensors;
        using (var scope = Torch.NewScope())
        {
            var data = AwayFromZero(183, 200, 0.5, 2);
            var x = Torch.FromArray(data, [10, 20]);
            x.RequiresGrad = true;
            Torch.ManualSeed(1234);
            var y = F.Dropout(x, p, training: true);
            var outs = y.ToDoubleArray();
            y.Sum().Backward();
            var grad = x.Grad!.ToDoubleArray();

            int kept = 0;
            for (int i = 0; i < data.Length; i++)
            {
                double ratio = outs[i] / data[i];
                // Each element is either dropped or scaled by exactly 1/(1-p) ...
                Assert.True(ratio == 0 || Math.Abs(ratio - 1 / (1 - p)) < 1e-12, $"element {i}: out/x = {ratio}");
                // ... and the gradient of sum(out) is that same factor.
                Assert.Equal(ratio, grad[i], 12);
                if (ratio != 0) kept++;
            }
            // Not degenerate: roughly (1-p) of 200 survive (binomial sd ≈ 7).
            Assert.InRange(kept, 90, 150);

            // The same seed reproduces the same mask.
            Torch.ManualSeed(1234);
            Assert.Equal(outs, F.Dropout(x, p, training: true).ToDoubleArray());
        }
        Assert.Equal(before, Torch.UnreleasedTensors);
    }

    [Fact]
    public void DropoutWithZeroProbabilityWhileTrainingIsTheIdentity()
    {
        using var scope = Torch.NewScope();
        var data = Uniform(184, 12);
        var x = Torch.FromArray(data, [3, 4]);
        Assert.Equal(data, F.Dropout(x, 0, training: true).ToDoubleArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => F.Dropout(x, 1.0, training: true));
    }

    [Fact]
    public void SecondDerivativesThroughCreateGraph()
    {
        // d/dx of (d/dx sum(g(x))) checked by finite differences of the first derivative.
        Check("d/dx tanh", t => Torch.Gradients(t[0].Tanh().Sum(), [t[0]], createGraph: true)[0]!,
            [Rand(185, 2, 3)], DefaultAtol, DefaultRtol, numericNeedsGrad: true);
        Check("d/dx (x·softmax(x))", t => Torch.Gradients((t[0] * t[0].Softmax(-1)).Sum(), [t[0]], createGraph: true)[0]!,
            [Rand(186, 2, 3)], DefaultAtol, DefaultRtol, numericNeedsGrad: true);
        Check("d/dw linear(x·w)²", t => Torch.Gradients(F.Linear(t[0], t[1]).Square().Sum(), [t[1]], createGraph: true)[0]!,
            [Rand(187, 3, 2), Rand(188, 2, 2)], DefaultAtol, DefaultRtol, numericNeedsGrad: true);
    }
}
