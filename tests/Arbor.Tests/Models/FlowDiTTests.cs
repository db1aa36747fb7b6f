using Arbor.Models;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;

namespace Arbor.Tests.Models;

public class FlowDiTTests
{
    internal static DiTConfig Tiny => new()
    {
        ImageSize = 8, PatchSize = 2, Dim = 32, Depth = 2, Heads = 2, MlpRatio = 2,
        Text = new TextEncoderConfig { VocabSize = 12, MaxTokens = 6, Dim = 16, Depth = 1, Heads = 2 },
    };

    internal static TextConditioning Condition(FlowDiT model, Generator gen, int batch)
    {
        using var scope = Torch.NewScope();
        var ids = Torch.RandInt(1, 12, [batch, 6], gen);
        var mask = Torch.Arange(6).Unsqueeze(0).Lt(4).Expand(batch, 6).Contiguous();
        var c = model.TextEncoder.Encode(ids, mask);
        scope.MoveToOuter(c.Tokens, c.Mask, c.Pooled);
        return c;
    }

    [Fact]
    public void VelocityHasTheSampleShape()
    {
        using var gen = new Generator(0);
        using var model = new FlowDiT(Tiny, gen);
        using var scope = Torch.NewScope();
        using var c = Condition(model, gen, 3);
        var v = model.Velocity(Torch.Randn([3, 3, 8, 8], gen), Torch.Rand([3], gen), c);
        Assert.Equal(new long[] { 3, 3, 8, 8 }, v.Shape);
        Assert.Equal(new long[] { 3, 8, 8 }, model.SampleShape);
        Assert.Equal(new long[] { 3, 6, 16 }, c.Tokens.Shape);
        Assert.Equal(new long[] { 3, 16 }, c.Pooled.Shape);
    }

    /// <summary>A model whose zero-initialized layers are random too, so every path shows in the output.</summary>
    private static FlowDiT Randomized(Generator gen)
    {
        var model = new FlowDiT(Tiny, gen);
        using var scope = Torch.NewScope();
        using (Torch.NoGrad())
        {
            foreach (var (name, p) in model.NamedParameters())
                if (name.Contains("adaLN") || name.StartsWith("final")) p.CopyFrom(Torch.RandnLike(p, gen) * 0.3);
        }
        return model;
    }

    [Fact]
    public void PreparedTextWithRowIndicesEqualsTheSelectedConditioningAndCarriesGradients()
    {
        using var gen = new Generator(9);
        using var model = Randomized(gen);
        using var scope = Torch.NewScope();
        using var prompts = Condition(model, gen, 3);             // 3 distinct conditionings
        var rows = Torch.FromArray(new long[] { 2, 0, 0, 1, 2 });
        var x = Torch.Randn([5, 3, 8, 8], gen);
        var t = Torch.Rand([5], gen);

        var direct = model.Velocity(x, t, prompts.Select(rows));
        using (var text = model.PrepareText(prompts))
        {
            Assert.Equal(3, text.Rows);
            var indexed = model.Velocity(x, t, text, rows);
            var a = direct.ToFloatArray();
            var b = indexed.ToFloatArray();
            for (int i = 0; i < a.Length; i++) Assert.Equal(a[i], b[i], 1e-5f);
            // gradients reach the text projections through the prepared features
            indexed.Square().Mean().Backward();
        }
        var grad = model.NamedParameters().First(p => p.Name == "blocks.0.cross.kv.weight").Parameter.Grad;
        Assert.NotNull(grad);
        Assert.True(grad!.Abs().Sum().Item() > 0);

        // null rows: row i for sample i
        using var same = model.PrepareText(prompts.Select(rows));
        Assert.Equal(direct.ToFloatArray(), model.Velocity(x, t, same, rows: null).ToFloatArray());
        Assert.Throws<ArgumentException>(() => model.Velocity(x.Narrow(0, 0, 2), t.Narrow(0, 0, 2), same, rows: null));
    }

    [Fact]
    public void AdaLnZeroInitializationGivesZeroResidualUpdatesAndZeroOutput()
    {
        using var gen = new Generator(1);
        using var model = new FlowDiT(Tiny, gen);
        using var block = new DiTBlock(32, 2, 2, gen);
        using var scope = Torch.NewScope();
        var x = Torch.Randn([2, 16, 32], gen);
        var y = block.Forward(x, Torch.Randn([2, 32], gen), Torch.Randn([2, 6, 32], gen), Torch.Ones([2, 6], DType.Bool));
        Assert.Equal(x.ToFloatArray(), y.ToFloatArray());                 // every gate is zero: identity
        using var c = Condition(model, gen, 2);
        var v = model.Velocity(Torch.Randn([2, 3, 8, 8], gen), Torch.Rand([2], gen), c);
        Assert.All(v.ToFloatArray(), f => Assert.Equal(0f, f));          // zero final layer
    }

    [Fact]
    public void PatchifyThenUnpatchifyIsIdentityAndPatchesAreRowMajor()
    {
        using var gen = new Generator(2);
        using var model = new FlowDiT(Tiny, gen);
        using var scope = Torch.NewScope();
        var x = Torch.Arange(0, 3 * 64, 1, DType.Float32).Reshape(1, 3, 8, 8);
        var p = model.Patchify(x);
        Assert.Equal(new long[] { 1, 16, 12 }, p.Shape);
        // patch 1 is rows 0-1, columns 2-3; its first 4 values are channel 0: pixels (0,2),(0,3),(1,2),(1,3)
        Assert.Equal(new float[] { 2, 3, 10, 11 }, p[0][1].Narrow(0, 0, 4).ToFloatArray());
        Assert.Equal(x.ToFloatArray(), model.Unpatchify(p).ToFloatArray());
    }

    [Fact]
    public void FlowLossOfATinyModelFallsWithinAFewDozenSteps()
    {
        using var gen = new Generator(3);
        using var model = new FlowDiT(Tiny, gen);
        using var opt = new AdamW(model.NamedParameters(), new AdamWOptions { LearningRate = 3e-3, WeightDecay = 0 });
        using var data = Torch.NewScope();
        // Two fixed "images" whose class is given by the prompt: learnable in a few dozen steps.
        var x0 = Torch.Cat([Torch.Full([4, 3, 8, 8], 0.8), Torch.Full([4, 3, 8, 8], -0.8)]);
        var ids = Torch.Cat([Torch.Full([4, 6], 3, DType.Int64), Torch.Full([4, 6], 5, DType.Int64)]);
        var mask = Torch.Ones([8, 6], DType.Bool);
        var losses = new List<double>();
        for (int step = 0; step < 40; step++)
        {
            using var scope = Torch.NewScope();
            var t = Torch.Rand([8], gen);
            var eps = Torch.Randn([8, 3, 8, 8], gen);
            var tt = t.Reshape(8, 1, 1, 1);
            var xt = (1 - tt) * x0 + tt * eps;
            using var c = model.TextEncoder.Encode(ids, mask);
            var loss = F.MseLoss(model.Velocity(xt, t, c), eps - x0);
            opt.ZeroGrad();
            loss.Backward();
            opt.Step();
            losses.Add(loss.Item());
        }
        double first = losses.Take(5).Average(), last = losses.TakeLast(5).Average();
        Assert.True(last < 0.7 * first, $"loss {first:F3} → {last:F3}");
    }

    [Fact]
    public void DefaultConfigIsAboutThreeMillionParameters()
    {
        var cfg = new DiTConfig { Text = new TextEncoderConfig { VocabSize = 40 } };
        using var model = new FlowDiT(cfg);
        Assert.InRange(model.ParameterCount(), 2_500_000, 3_800_000);
    }
}
