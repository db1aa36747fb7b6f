using Arbor.Models;
using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Tests.Models;

public class LoraTests
{
    [Fact]
    public void ZeroBEqualsTheBaseAndMergedEqualsUnmerged()
    {
        using var gen = new Generator(4);
        using var model = new FlowDiT(FlowDiTTests.Tiny, gen);
        using var scope = Torch.NewScope();
        using var c = FlowDiTTests.Condition(model, gen, 2);
        var x = Torch.Randn([2, 3, 8, 8], gen);
        var t = Torch.Rand([2], gen);
        // make the zero-initialized output layers non-zero so the comparison means something
        using (Torch.NoGrad())
        {
            foreach (var (name, p) in model.NamedParameters())
                if (name.StartsWith("final") || name.Contains("adaLN")) p.CopyFrom(Torch.RandnLike(p, gen) * 0.1);
        }
        var baseV = model.Velocity(x, t, c).ToFloatArray();

        var adapted = LoraInjection.Apply(model, @"^blocks\.\d+\.(attn|cross)\.(q|kv|out)$", rank: 2, alpha: 4, gen);
        Assert.Equal(2 * 2 * 3, adapted.Count);
        Assert.Equal(baseV, model.Velocity(x, t, c).ToFloatArray());             // B = 0: exactly the base
        Assert.All(model.NamedParameters(trainableOnly: true), p => Assert.Contains(".lora.", p.Name));

        using (Torch.NoGrad()) foreach (var (_, p) in LoraInjection.LoraParameters(model)) p.CopyFrom(Torch.RandnLike(p, gen) * 0.3);
        var adaptedV = model.Velocity(x, t, c).ToFloatArray();
        Assert.NotEqual(baseV, adaptedV);

        LoraInjection.SetEnabled(model, false);                                  // the KL reference
        Assert.Equal(baseV, model.Velocity(x, t, c).ToFloatArray());
        LoraInjection.SetEnabled(model, true);

        LoraInjection.Merge(model);
        var mergedV = model.Velocity(x, t, c).ToFloatArray();
        AssertClose(adaptedV, mergedV);
        LoraInjection.SetEnabled(model, false);                                  // merged but off: still the base
        var offV = model.Velocity(x, t, c).ToFloatArray();
        AssertClose(baseV, offV);
        LoraInjection.SetEnabled(model, true);
        LoraInjection.Unmerge(model);
        var unmergedV = model.Velocity(x, t, c).ToFloatArray();
        AssertClose(adaptedV, unmergedV);
    }

    [Fact]
    public void ScalingTheAdaptersScalesEachLayersUpdateAndZeroIsTheBase()
    {
        using var gen = new Generator(5);
        using var scope = Torch.NewScope();
        using var layer = new Linear(6, 4, generator: gen);
        layer.AttachLora(rank: 2, alpha: 4, gen);
        using (Torch.NoGrad()) foreach (var (_, p) in LoraInjection.LoraParameters(layer)) p.CopyFrom(Torch.RandnLike(p, gen) * 0.3);
        var x = Torch.Randn([3, 6], gen);
        LoraInjection.SetEnabled(layer, false);
        var baseY = layer.Forward(x).ToFloatArray();
        LoraInjection.SetEnabled(layer, true);
        var trained = layer.Forward(x).ToFloatArray();

        LoraInjection.ScaleAdapters(layer, 2.5);                                 // y = W·x + b + 2.5·ΔW·x
        var extrapolated = layer.Forward(x).ToFloatArray();
        AssertClose([.. baseY.Select((b, i) => b + 2.5f * (trained[i] - b))], extrapolated, 1e-5f);
        LoraInjection.ScaleAdapters(layer, 0);
        Assert.Equal(baseY, layer.Forward(x).ToFloatArray());                    // B = 0 again: exactly the base

        Assert.Throws<ArgumentOutOfRangeException>(() => LoraInjection.ScaleAdapters(layer, double.NaN));
        using var plain = new Linear(6, 4, generator: gen);
        Assert.Contains("no LoRA adapter", Assert.Throws<InvalidOperationException>(() => LoraInjection.ScaleAdapters(plain, 2)).Message);
    }

    [Fact]
    public void FoldedAdaptersPredictAsTheAdapterDoesAndLeaveTheBaseWeightsBitForBit()
    {
        using var gen = new Generator(6);
        using var model = new FlowDiT(FlowDiTTests.Tiny, gen);
        using var scope = Torch.NewScope();
        using var c = FlowDiTTests.Condition(model, gen, 2);
        var x = Torch.Randn([2, 3, 8, 8], gen);
        var t = Torch.Rand([2], gen);
        LoraInjection.Apply(model, @"^blocks\.\d+\.(attn|cross)\.(q|kv|out)$", rank: 2, alpha: 4, gen);
        using (Torch.NoGrad()) foreach (var (_, p) in LoraInjection.LoraParameters(model)) p.CopyFrom(Torch.RandnLike(p, gen) * 0.3);
        var weights = model.NamedParameters().Select(p => p.Parameter.ToFloatArray()).ToList();
        float[] adaptedV, baseV;
        using (Torch.NoGrad())
        {
            adaptedV = model.Velocity(x, t, c).ToFloatArray();
            LoraInjection.SetEnabled(model, false);
            baseV = model.Velocity(x, t, c).ToFloatArray();
            LoraInjection.SetEnabled(model, true);
        }

        long live = Torch.UnreleasedTensors;
        using (var folded = LoraInjection.Folded(model))
        using (Torch.NewScope())
        {
            Assert.True(Torch.UnreleasedTensors > live);                         // a folded copy per adapted layer
            using (Torch.NoGrad())
            {
                AssertClose(adaptedV, model.Velocity(x, t, c).ToFloatArray());   // one product instead of three: rounding
                LoraInjection.SetEnabled(model, false);                          // off: the base, exactly
                Assert.Equal(baseV, model.Velocity(x, t, c).ToFloatArray());
                LoraInjection.SetEnabled(model, true);
            }
            // with gradients the folded copy would train nothing: refused, not silently wrong
            Assert.Contains("folded", Assert.Throws<InvalidOperationException>(() => model.Velocity(x, t, c)).Message);
            Assert.Throws<InvalidOperationException>(() => LoraInjection.Merge(model));
        }
        Assert.Equal(live, Torch.UnreleasedTensors);                             // the copies freed
        Assert.Equal(weights, model.NamedParameters().Select(p => p.Parameter.ToFloatArray()).ToList());
        using (Torch.NoGrad()) Assert.Equal(adaptedV, model.Velocity(x, t, c).ToFloatArray());   // the adapter's path again
    }

    // Merging changes the order of float additions, so equality holds to rounding, not bit for bit.
    private static void AssertClose(float[] expected, float[] actual, float tolerance = 1e-4f)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance, $"element {i}: {expected[i]} vs {actual[i]}");
    }

    [Fact]
    public void PatternMatchingNothingIsAnErrorNamingIt()
    {
        using var model = new FlowDiT(FlowDiTTests.Tiny);
        var e = Assert.Throws<ArgumentException>(() => LoraInjection.Apply(model, "^nothing$", 2, 2));
        Assert.Contains("'^nothing$'", e.Message);
    }
}
