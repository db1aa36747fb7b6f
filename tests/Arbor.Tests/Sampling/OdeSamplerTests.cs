using Arbor.Models;
using Arbor.Sampling;
using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Tests.Sampling;

/// <summary>
/// Data x0 ~ N(μ, s²) per element. Under x_t = (1 − t)·x0 + t·ε the exact velocity is
/// v(x, t) = E[ε − x0 | x_t = x] = (t − (1 − t)s²)/σ_t² · (x − (1 − t)μ) − μ with σ_t² = (1 − t)²s² + t²,
/// and the ODE carries noise x1 to exactly μ + s·x1.
/// </summary>
internal sealed class GaussianVelocity(double mu, double s) : IVelocityModel
{
    public long[] SampleShape => [4];
    public int Calls { get; private set; }

    public Tensor Velocity(Tensor x, Tensor t, TextConditioning condition)
    {
        Calls++;
        using var scope = Torch.NewScope();
        var tt = t.To(DType.Float64).Unsqueeze(1);
        var a = 1 - tt;
        var variance = a * a * (s * s) + tt * tt;
        var v = (tt - a * (s * s)) / variance * (x - a * mu) - mu;
        return scope.MoveToOuter(v.To(x.DType));
    }
}

public class OdeSamplerTests
{
    private static TextConditioning Dummy(int batch) =>
        new(Torch.Zeros([batch, 1, 1]), Torch.Ones([batch, 1], DType.Bool), Torch.Zeros([batch, 1]));

    private static double MaxError(IOdeSampler sampler, int steps, double shift = 1.0)
    {
        using var scope = Torch.NewScope();
        using var gen = new Generator(0);
        var model = new GaussianVelocity(mu: 0.7, s: 0.3);
        var x1 = Torch.Randn([64, 4], gen, DType.Float64);
        using var c = Dummy(64);
        using var guided = new GuidedVelocity(model, c, null, 1.0);
        var schedule = TimeSchedule.Linear(steps, shift);
        var x0 = sampler.Sample(guided, x1, schedule);
        var exact = x1 * 0.3 + 0.7;
        Assert.Equal(sampler.Evaluations(schedule), model.Calls);
        return (x0 - exact).Abs().Max().Item();
    }

    [Fact]
    public void EulerConvergesToTheExactSolutionAtFirstOrder()
    {
        double e100 = MaxError(new EulerSampler(), 100), e200 = MaxError(new EulerSampler(), 200), e400 = MaxError(new EulerSampler(), 400);
        Assert.True(e400 < 1e-2, $"error at 400 steps {e400}");
        Assert.InRange(e100 / e200, 1.7, 2.3);        // halving the step halves the error
        Assert.InRange(e200 / e400, 1.7, 2.3);
    }

    [Fact]
    public void HeunConvergesAtSecondOrder()
    {
        double e20 = MaxError(new HeunSampler(), 20), e40 = MaxError(new HeunSampler(), 40), e80 = MaxError(new HeunSampler(), 80);
        Assert.True(e80 < 1e-3, $"error at 80 steps {e80}");
        Assert.InRange(e20 / e40, 3.2, 5.0);          // halving the step quarters the error
        Assert.InRange(e40 / e80, 3.2, 5.0);
        Assert.True(e40 < MaxError(new EulerSampler(), 80));   // about the same number of model calls, far more accurate
    }

    [Fact]
    public void HeunNeverEvaluatesTheModelAtTimeZero()
    {
        // a model that is exact except at t = 0, where it is useless: Heun must not average that slope in
        var exactBelowOne = new TimeZeroBroken(new GaussianVelocity(mu: 0.7, s: 0.3));
        using var scope = Torch.NewScope();
        using var gen = new Generator(1);
        var x1 = Torch.Randn([16, 4], gen, DType.Float64);
        using var c = Dummy(16);
        using var guided = new GuidedVelocity(exactBelowOne, c, null, 1.0);
        var schedule = TimeSchedule.Linear(40, shift: 2);
        var x0 = new HeunSampler().Sample(guided, x1, schedule);
        Assert.Equal(0, exactBelowOne.CallsAtZero);
        Assert.Equal(2 * 40, new HeunSampler().Evaluations(schedule));
        double error = (x0 - (x1 * 0.3 + 0.7)).Abs().Max().Item();
        Assert.True(error < 5e-3, $"error {error}");   // an Euler last step: 1.4e-2; the midpoint keeps second order
    }

    /// <summary>The wrapped model, but NaN wherever it is asked for the velocity at t = 0.</summary>
    private sealed class TimeZeroBroken(IVelocityModel inner) : IVelocityModel
    {
        public long[] SampleShape => inner.SampleShape;
        public int CallsAtZero { get; private set; }

        public Tensor Velocity(Tensor x, Tensor t, TextConditioning condition)
        {
            if (t.ToFloatArray().Any(v => v == 0)) { CallsAtZero++; return Torch.Full(x.Shape, double.NaN, x.DType); }
            return inner.Velocity(x, t, condition);
        }
    }

    [Fact]
    public void ScheduleEndpointsAndShift()
    {
        var s = TimeSchedule.Linear(4);
        Assert.Equal(new[] { 1.0, 0.75, 0.5, 0.25, 0.0 }, s.Times);
        var shifted = TimeSchedule.Linear(4, shift: 3);
        Assert.Equal(1.0, shifted.Times[0]);
        Assert.Equal(0.0, shifted.Times[4]);
        Assert.Equal(3 * 0.5 / (1 + 2 * 0.5), shifted.Times[2], 12);
        double shiftedError = MaxError(new HeunSampler(), 80, shift: 3);
        Assert.True(shiftedError < 2e-3, $"error {shiftedError}");
        Assert.Throws<ArgumentOutOfRangeException>(() => TimeSchedule.Linear(0));
    }

    /// <summary>The tiny DiT with every weight drawn small and random: its prediction depends on prompt and time.</summary>
    private static FlowDiT RandomTinyModel(Generator gen)
    {
        var model = new FlowDiT(Models.FlowDiTTests.Tiny, gen);
        using (Torch.NoGrad()) foreach (var (_, p) in model.NamedParameters()) p.CopyFrom(Torch.RandnLike(p, gen) * 0.1);
        return model;
    }

    [Fact]
    public void GuidanceWithScaleOneEqualsTheConditionalPrediction()
    {
        using var gen = new Generator(5);
        using var model = RandomTinyModel(gen);
        using var scope = Torch.NewScope();
        using var cond = Models.FlowDiTTests.Condition(model, gen, 2);
        using var uncond = Models.FlowDiTTests.Condition(model, gen, 2);
        var x = Torch.Randn([2, 3, 8, 8], gen);
        var vc = model.Velocity(x, Torch.Full([2], 0.4), cond).ToFloatArray();
        using var one = new GuidedVelocity(model, cond, uncond, 1.0);
        Assert.False(one.Guided);
        Assert.Equal(vc, one.At(x, 0.4).ToFloatArray());
        // With w ≠ 1 the doubled batch must equal the two separate forwards combined.
        using var guided = new GuidedVelocity(model, cond, uncond, 4.5);
        var vu = model.Velocity(x, Torch.Full([2], 0.4), uncond).ToFloatArray();
        var g = guided.At(x, 0.4).ToFloatArray();
        for (int i = 0; i < g.Length; i++) Assert.True(Math.Abs(vu[i] + 4.5f * (vc[i] - vu[i]) - g[i]) < 1e-4, $"element {i}");
    }

    [Fact]
    public void TheBasesUnconditionalBranchIsTheAdapterFreePrediction()
    {
        using var gen = new Generator(6);
        using var model = RandomTinyModel(gen);
        LoraInjection.Apply(model, @"^blocks\.\d+\.(attn|cross)\.(q|kv|out)$", rank: 2, alpha: 4, gen);
        using (Torch.NoGrad()) foreach (var (_, p) in LoraInjection.LoraParameters(model)) p.CopyFrom(Torch.RandnLike(p, gen) * 0.3);
        using var scope = Torch.NewScope();
        using var cond = Models.FlowDiTTests.Condition(model, gen, 2);
        using var uncond = Models.FlowDiTTests.Condition(model, gen, 2);
        var x = Torch.Randn([2, 3, 8, 8], gen);
        var t = Torch.Full([2], 0.4);
        var vc = model.Velocity(x, t, cond).ToFloatArray();
        var vuAdapted = model.Velocity(x, t, uncond).ToFloatArray();
        LoraInjection.SetEnabled(model, false);
        var vuBase = model.Velocity(x, t, uncond).ToFloatArray();
        LoraInjection.SetEnabled(model, true);

        using var noGrad = Torch.NoGrad();                                       // prepared text, as the samplers use it
        using var guided = new GuidedVelocity(model, cond, uncond, 3.0, new AdapterFreeModel(model));
        var g = guided.At(x, 0.4).ToFloatArray();
        for (int i = 0; i < g.Length; i++) Assert.True(Math.Abs(vuBase[i] + 3f * (vc[i] - vuBase[i]) - g[i]) < 1e-4, $"element {i}");
        Assert.Contains(Enumerable.Range(0, g.Length), i => Math.Abs(vuBase[i] - vuAdapted[i]) > 1e-3);
        Assert.Equal(vc, model.Velocity(x, t, cond).ToFloatArray());          // the adapters are back on after each call

        long baseline = Torch.UnreleasedTensors;                                // a whole sampling loop frees what it made
        using (var loop = new GuidedVelocity(model, cond, uncond, 3.0, new AdapterFreeModel(model)))
        {
            using var images = new EulerSampler().Sample(loop, x, TimeSchedule.Linear(4));
        }
        Assert.Equal(baseline, Torch.UnreleasedTensors);
    }

    [Fact]
    public void AGuidanceIntervalGuidesAboveItsTimeAndPredictsTheConditionalVelocityAtOrBelowIt()
    {
        using var gen = new Generator(7);
        using var model = RandomTinyModel(gen);
        using var scope = Torch.NewScope();
        using var cond = Models.FlowDiTTests.Condition(model, gen, 2);
        using var uncond = Models.FlowDiTTests.Condition(model, gen, 2);
        var x = Torch.Randn([2, 3, 8, 8], gen);
        using var noGrad = Torch.NoGrad();                                       // prepared text: the doubled rows' first half
        using var always = new GuidedVelocity(model, cond, uncond, 3.0);
        using var interval = new GuidedVelocity(model, cond, uncond, 3.0) { GuidanceUntil = 0.5 };
        using var conditional = new GuidedVelocity(model, cond, null, 3.0);
        Assert.Equal(always.At(x, 0.6).ToFloatArray(), interval.At(x, 0.6).ToFloatArray());
        // the conditional rows of text projected with the empty prompt's: equal to BLAS's batch-dependent rounding
        double Gap(Tensor a, Tensor b) => (a - b).Abs().Max().Item();
        Assert.True(Gap(conditional.At(x, 0.5), interval.At(x, 0.5)) < 1e-5);
        Assert.True(Gap(conditional.At(x, 0.2), interval.At(x, 0.2)) < 1e-5);
        Assert.True(Gap(always.At(x, 0.2), interval.At(x, 0.2)) > 1e-3);
        Assert.Throws<ArgumentOutOfRangeException>(() => new GuidedVelocity(model, cond, uncond, 3.0) { GuidanceUntil = 1 });
    }
}
