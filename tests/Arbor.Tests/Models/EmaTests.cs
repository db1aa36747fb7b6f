using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Models;

namespace Arbor.Tests.Models;

public class EmaTests
{
    [Fact]
    public void DecayWarmsUpThenHoldsAndTheAverageFollowsTheFormula()
    {
        using var layer = new Linear(1, 1, bias: false);
        using var ema = new ExponentialMovingAverage(layer, 0.99);
        Assert.Equal(0.1, ema.DecayAt(0), 12);
        Assert.Equal(11.0 / 20, ema.DecayAt(10), 12);
        Assert.Equal(0.99, ema.DecayAt(100000), 12);

        double shadow = layer.Weight.ToDoubleArray()[0];
        for (int n = 0; n < 50; n++)
        {
            using (Torch.NoGrad()) layer.Weight.FillInPlace(n);
            ema.Update(n);
            shadow = shadow + (1 - ema.DecayAt(n)) * (n - shadow);
        }
        Assert.Equal(shadow, ema.StateDict()["weight"].ToDoubleArray()[0], 4);
        Assert.InRange(shadow, 40, 49);   // tracks recent weights, not the initialization
    }

    [Fact]
    public void AppliedPutsTheAverageInPlaceAndRestoresTheLiveWeightsBitForBit()
    {
        using var gen = new Generator(3);
        using var layer = new Linear(4, 3, generator: gen);
        using var ema = new ExponentialMovingAverage(layer, 0.9);
        using (Torch.NoGrad()) { layer.Weight.FillInPlace(2); layer.Bias!.FillInPlace(-1); }
        ema.Update(50);
        var live = layer.Weight.ToDoubleArray();
        var averaged = ema.StateDict()["weight"].ToDoubleArray();
        Assert.NotEqual(live, averaged);
        using (ema.Applied())
            Assert.Equal(averaged, layer.Weight.ToDoubleArray());
        Assert.Equal(live, layer.Weight.ToDoubleArray());
        Assert.Equal(-1.0, layer.Bias!.ToDoubleArray()[0]);
    }
}
