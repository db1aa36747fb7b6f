using Arbor.Training;

namespace Arbor.Tests.Training;

public class GradientNoiseTests
{
    private static IReadOnlyList<IReadOnlyList<IReadOnlyList<float[]>>> Design(float[][][][] g) =>
        [.. g.Select(s => (IReadOnlyList<IReadOnlyList<float[]>>)[.. s.Select(r => (IReadOnlyList<float[]>)r)])];

    [Fact]
    public void TheNestedDecompositionMatchesAHandComputedDesign()
    {
        // one coordinate x, and 2x beside it: every squared quantity is 1 + 4 = 5 times the first coordinate's.
        // x: cells [1, 3] [5, 5] | [0, 2] [3, 3]; cell means 2, 5 | 1, 3; set means 3.5 | 2; grand mean 2.75.
        // W = (2 + 0 + 2 + 0) / 4 = 1; B = (4.5 + 2) / 2 = 3.25; P = 0.75² + 0.75² = 1.125;
        // ‖μ‖² = 2.75² − 1.125 / 2 = 7; σ²_R = 3.25 − 1 / 2 = 2.75; σ²_S = 1.125 − 3.25 / 2 < 0 → 0
        float[] V(float x) => [x, 2 * x];
        var g = Design([
            [[V(1), V(3)], [V(5), V(5)]],
            [[V(0), V(2)], [V(3), V(3)]],
        ]);
        var c = GradientNoise.Decompose(g);
        Assert.Equal(5 * 7.0, c.SignalSquared, 9);
        Assert.Equal(0.0, c.PromptSets);
        Assert.Equal(5 * 2.75, c.Rollouts, 9);
        Assert.Equal(5 * 1.0, c.Renoisings, 9);
        Assert.Equal(5 * 3.75, c.IterationVariance, 9);
        Assert.Equal(7 / 3.75, c.SignalToNoise, 9);
        Assert.Equal(3.75 / 7, c.IterationsToSignal, 9);
    }

    [Fact]
    public void TheSignalsStandardErrorIsTheJackknifeOverPromptSets()
    {
        // set means 1, 2, 4 (no variance inside a set): the signal is the mean cross-set product (2 + 4 + 8) / 3 = 14/3;
        // leaving one set out gives 8, 4, 2, so the jackknife variance is (2/3)·((10/3)² + (2/3)² + (8/3)²) = 336/27
        float[][][] Set(float m) => [[[m], [m]], [[m], [m]]];
        var c = GradientNoise.Decompose(Design([Set(1), Set(2), Set(4)]));
        Assert.Equal(14 / 3.0, c.SignalSquared, 9);
        Assert.Equal(Math.Sqrt(336 / 27.0), c.SignalStandardError, 9);
        Assert.True(double.IsNaN(GradientNoise.Decompose(Design([Set(1), Set(2)])).SignalStandardError));   // two sets: no pair left
    }

    [Fact]
    public void OnSyntheticGradientsTheEstimatesRecoverTheVariancesTheyWereDrawnWith()
    {
        // g_srk = μ + a_s + b_sr + c_srk per coordinate, μ = 0.5, SDs 1, 2, 3: per coordinate ‖μ‖² 0.25, σ² 1, 4, 9
        const int dim = 40_000;
        var random = new Random(3);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var g = new float[3][][][];
        for (int s = 0; s < 3; s++)
        {
            var a = Enumerable.Range(0, dim).Select(_ => Normal()).ToArray();
            g[s] = new float[3][][];
            for (int r = 0; r < 3; r++)
            {
                var b = Enumerable.Range(0, dim).Select(_ => 2 * Normal()).ToArray();
                g[s][r] = [.. Enumerable.Range(0, 3).Select(_ =>
                    Enumerable.Range(0, dim).Select(j => (float)(0.5 + a[j] + b[j] + 3 * Normal())).ToArray())];
            }
        }
        var c = GradientNoise.Decompose(Design(g));
        Assert.InRange(c.SignalSquared / dim, 0.25 * 0.8, 0.25 * 1.2);
        Assert.InRange(Math.Abs(c.SignalSquared - (0.25 * dim)), 0, 4 * c.SignalStandardError);
        Assert.InRange(c.PromptSets / dim, 0.9, 1.1);
        Assert.InRange(c.Rollouts / dim, 4 * 0.95, 4 * 1.05);
        Assert.InRange(c.Renoisings / dim, 9 * 0.98, 9 * 1.02);

        // a null: the same noise around μ = 0 reads no signal (its estimate is unbiased, so it scatters around 0)
        var centered = g.Select(s => s.Select(r => r.Select(v => v.Select(x => x - 0.5f).ToArray()).ToArray()).ToArray()).ToArray();
        Assert.InRange(GradientNoise.Decompose(Design(centered)).SignalSquared / dim, -0.05, 0.05);
    }

    [Fact]
    public void AdamScalingGivesEveryCoordinateUnitRootMeanSquareAndLeavesSilentOnesAtZero()
    {
        var g = Design([
            [[[2, 0, 10], [-2, 0, 30]], [[2, 0, 10], [2, 0, 30]]],
            [[[-2, 0, 10], [2, 0, 30]], [[2, 0, 10], [-2, 0, 30]]],
        ]);
        var scale = GradientNoise.AdamScale([.. g.SelectMany(s => s.SelectMany(r => r))]);
        Assert.Equal([0.5, 0.0, 1 / Math.Sqrt(500)], scale);
        var scaled = GradientNoise.Scaled(g, scale);
        Assert.Equal([-1f, 0f, (float)(30 / Math.Sqrt(500))], scaled[0][0][1]);
    }

    [Fact]
    public void ADesignTooSmallForAVarianceAtEveryLevelIsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => GradientNoise.Decompose(Design([[[[1f], [2f]], [[3f], [4f]]]])));
        Assert.Contains("at least 2 prompt sets, 2 rollouts and 2 re-noisings", e.Message);
        Assert.Throws<ArgumentException>(() => GradientNoise.Decompose(Design([[[[1f], [2f]], [[3f]]], [[[1f], [2f]], [[3f], [4f]]]])));
    }
}
