using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Training;

namespace Arbor.Tests.Training;

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
}
