using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;

namespace Arbor.Tensors.Tests.Optim;

public class OptimizerTests
{
    [Fact]
    public void SgdStepMatchesHandComputation()
    {
        using var scope = Torch.NewScope();
        var w = Torch.FromArray(new double[] { 1, -2 }).DetachFromScope().RequiresGradInPlace();
        using var _ = w;
        using var opt = new Sgd([w], new SgdOptions { LearningRate = 0.1, Momentum = 0.9 });
        for (int i = 0; i < 2; i++)
        {
            opt.ZeroGrad();
            (w * w).Sum().Backward();     // grad = 2w
            opt.Step();
        }
        // step 1: buf = 2w0 = [2,-4], w1 = w0 - 0.1 buf = [0.8,-1.6]
        // step 2: g = [1.6,-3.2], buf = 0.9 [2,-4] + g = [3.4,-6.8], w2 = w1 - 0.1 buf = [0.46,-0.92]
        var v = w.ToDoubleArray();
        Assert.Equal(0.46, v[0], 12);
        Assert.Equal(-0.92, v[1], 12);
    }

    [Fact]
    public void AdamWStepMatchesHandComputation()
    {
        using var scope = Torch.NewScope();
        var w = Torch.FromArray(new double[] { 1.0 }).DetachFromScope().RequiresGradInPlace();
        using var _ = w;
        using var opt = new AdamW([w], new AdamWOptions { LearningRate = 0.1, WeightDecay = 0.01 });
        opt.ZeroGrad();
        (w * 3).Sum().Backward();         // grad = 3
        opt.Step();
        // decoupled decay: w ← w(1 − lr·wd) = 0.999; m̂ = 3, v̂ = 9 → w ← 0.999 − 0.1·3/(3 + 1e-8)
        double expected = 0.999 - 0.1 * 3 / (3 + 1e-8);
        Assert.Equal(expected, w.ToDoubleArray()[0], 10);
    }

    [Fact]
    public void DecayingMatricesOnlyShrinksTheWeightMatricesAndLeavesBiasesAndNormGainsAlone()
    {
        using var scope = Torch.NewScope();
        using var gen = new Generator(3);
        var linear = new Linear(4, 3, generator: gen);
        var norm = new LayerNorm([3]);
        var named = linear.NamedParameters().Select(p => ("linear." + p.Name, p.Parameter))
            .Concat(norm.NamedParameters().Select(p => ("norm." + p.Name, p.Parameter))).ToList();
        var before = named.ToDictionary(p => p.Item1, p => p.Item2.ToDoubleArray());
        using var opt = AdamW.DecayingMatricesOnly(named, new AdamWOptions { LearningRate = 0.1, WeightDecay = 0.5 });
        Assert.Equal(named.Select(p => p.Item1).Order(), opt.Parameters.Select(p => p.Name).Order());
        opt.ZeroGrad();
        // a zero gradient on every parameter: Adam's step is 0, so what moves is the decoupled decay alone
        (norm.Forward(linear.Forward(Torch.Ones([2, 4]))).Sum() * 0).Backward();
        opt.Step();
        foreach (var (name, p) in named)
        {
            var expected = before[name].Select(x => p.Dim >= 2 ? x * (1 - 0.1 * 0.5) : x).ToArray();
            var actual = p.ToDoubleArray();
            for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 6);
        }
        Assert.Contains(named, p => p.Item2.Dim >= 2);
        Assert.Equal(3, named.Count(p => p.Item2.Dim < 2));   // the linear's bias, the norm's weight and bias
        // all vectors: one group without decay; all matrices (a LoRA): one group with it
        using var vectorsOnly = AdamW.DecayingMatricesOnly(named.Where(p => p.Item2.Dim < 2), new AdamWOptions { WeightDecay = 0.5 });
        Assert.Equal(3, vectorsOnly.Parameters.Count);
        linear.Dispose();
        norm.Dispose();
    }

    [Fact]
    public void SavedStateContinuesIdentically()
    {
        // Train 3 steps, snapshot weights + optimizer state, train 3 more; restore the snapshot into
        // fresh objects and train 3 steps: both must agree bit for bit.
        static (Linear, AdamW) Make()
        {
            using var gen = new Generator(7);
            var m = new Linear(4, 3, generator: gen);
            return (m, new AdamW(m.NamedParameters(), new AdamWOptions { LearningRate = 1e-2 }));
        }
        static void Train(Linear m, AdamW opt, int steps)
        {
            for (int i = 0; i < steps; i++)
            {
                using var s = Torch.NewScope();
                using var gen = new Generator((ulong)(100 + i));
                var x = Torch.Randn([8, 4], gen);
                opt.ZeroGrad();
                m.Forward(x).Square().Mean().Backward();
                opt.Step();
            }
        }

        var (m1, o1) = Make();
        Train(m1, o1, 3);
        using var snap = Torch.NewScope();
        var weights = m1.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.Clone());
        var state = o1.StateDict();
        Assert.Equal(["bias.exp_avg", "bias.exp_avg_sq", "bias.max_exp_avg_sq", "bias.step",
                      "weight.exp_avg", "weight.exp_avg_sq", "weight.max_exp_avg_sq", "weight.step"],
                     state.Keys.Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(3, state["weight.step"].Item());
        Train(m1, o1, 3);

        var (m2, o2) = Make();
        m2.LoadStateDict(weights);
        o2.LoadStateDict(state);
        Train(m2, o2, 3);
        Assert.Equal(m1.Weight.ToFloatArray(), m2.Weight.ToFloatArray());
        Assert.Equal(m1.Bias!.ToFloatArray(), m2.Bias!.ToFloatArray());
        foreach (var d in new IDisposable[] { m1, o1, m2, o2 }) d.Dispose();
    }

    [Fact]
    public void LoadingStateWithWrongShapeNamesTheParameter()
    {
        using var m = new Linear(2, 2);
        using var opt = new AdamW(m.NamedParameters());
        using var scope = Torch.NewScope();
        var bad = new Dictionary<string, Tensor>
        {
            ["weight.step"] = Torch.Scalar(1, DType.Int64),
            ["weight.exp_avg"] = Torch.Zeros([3, 3]),
            ["weight.exp_avg_sq"] = Torch.Zeros([3, 3]),
            ["weight.max_exp_avg_sq"] = Torch.Zeros([3, 3]),
        };
        var e = Assert.Throws<ArgumentException>(() => opt.LoadStateDict(bad));
        Assert.Contains("'weight'", e.Message);
        Assert.Contains("does not match", e.Message);
        bad.Remove("weight.exp_avg");
        Assert.Contains("missing 'weight.exp_avg'", Assert.Throws<ArgumentException>(() => opt.LoadStateDict(bad)).Message);
    }

    [Fact]
    public void LearningRateCanBeReadAndSetPerGroup()
    {
        using var a = new Linear(2, 2);
        using var b = new Linear(2, 2);
        using var opt = new AdamW(a.NamedParameters(), new AdamWOptions { LearningRate = 0.5 });
        opt.AddParamGroup(b.NamedParameters().Select(p => ("b." + p.Name, p.Parameter)), new AdamWOptions { LearningRate = 0.25 });
        Assert.Equal(0.5, opt.GetLearningRate(0));
        Assert.Equal(0.25, opt.GetLearningRate(1));
        opt.SetLearningRate(0.125);
        Assert.Equal(0.125, opt.GetLearningRate(0));
        Assert.Equal(0.125, opt.GetLearningRate(1));
        opt.SetLearningRate(0.75, group: 1);
        Assert.Equal(0.75, opt.LearningRate == 0.125 ? opt.GetLearningRate(1) : double.NaN);
        Assert.Throws<TorchException>(() => opt.GetLearningRate(2));
    }

    [Fact]
    public void ClipByGlobalNormScalesAllGradientsTogether()
    {
        using var scope = Torch.NewScope();
        var a = Torch.FromArray(new double[] { 0, 0 }).RequiresGradInPlace();
        var b = Torch.FromArray(new double[] { 0 }).RequiresGradInPlace();
        (a * Torch.FromArray(new double[] { 3, 0 })).Sum().Add((b * 4).Sum()).Backward(); // grads [3,0], [4] → norm 5
        double norm = GradClip.ClipByGlobalNorm([a, b], 1.0);
        Assert.Equal(5, norm, 12);
        Assert.Equal(0.6, a.Grad!.ToDoubleArray()[0], 6);
        Assert.Equal(0.8, b.Grad!.ToDoubleArray()[0], 6);
        Assert.Equal(1.0, GradClip.ClipByGlobalNorm([a, b], 10.0), 5);   // under the bound: unchanged
        Assert.Equal(0.6, a.Grad!.ToDoubleArray()[0], 6);
    }

    [Fact]
    public void Schedules()
    {
        var warm = new LinearWarmupLr(1.0, 4);
        Assert.Equal([0.25, 0.5, 0.75, 1.0, 1.0], Enumerable.Range(0, 5).Select(i => warm.At(i)).ToArray());
        var cos = new WarmupCosineLr(1.0, 2, 12, 0.1);
        Assert.Equal(0.5, cos.At(0), 12);
        Assert.Equal(1.0, cos.At(2), 12);
        Assert.Equal(0.55, cos.At(7), 12);      // halfway through the cosine: midpoint of 1 and 0.1
        Assert.Equal(0.1, cos.At(12), 12);
        Assert.Equal(0.1, cos.At(100), 12);
        Assert.Equal(0.3, new ConstantLr(0.3).At(1000));
    }
}
