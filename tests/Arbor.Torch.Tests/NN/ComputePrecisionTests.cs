using Arbor.Tensors.NN;
using Arbor.Tensors.Tests.Memory;

namespace Arbor.Tensors.Tests.NN;

public class ComputePrecisionTests
{
    // bf16 keeps 8 significant bits (relative rounding 2^-9 ≈ 0.2 % per operand); a product of 32 terms stays within
    // about 1 % of its largest value, so 2 % flags a wrong result without flaking on rounding.
    private const double Tolerance = 0.02;

    private static void AssertClose(Tensor low, Tensor reference, string what)
    {
        Assert.Equal(DType.Float32, low.DType);
        double diff = (low - reference).Abs().Max().Item(), scale = reference.Abs().Max().Item();
        Assert.True(diff > 0, $"{what}: bf16 products should round");
        Assert.True(diff < Tolerance * scale, $"{what}: max |Δ| {diff} of max |y| {scale}");
    }

    [Fact]
    public void Bf16LinearIsCloseToFp32AndReturnsFloat32()
    {
        using var gen = new Generator(3);
        using var scope = Torch.NewScope();
        var x = Torch.Randn([64, 32], gen);
        var w = Torch.Randn([16, 32], gen);
        var b = Torch.Randn([16], gen);
        var y32 = F.Linear(x, w, b);
        Tensor y16;
        using (ComputePrecision.Use(Precision.Bf16)) y16 = F.Linear(x, w, b);
        AssertClose(y16, y32, "linear");
        Assert.Equal(Precision.Fp32, ComputePrecision.Current);
    }

    [Fact]
    public void Bf16AttentionIsCloseToFp32WithAMask()
    {
        using var gen = new Generator(4);
        using var scope = Torch.NewScope();
        var q = Torch.Randn([2, 2, 5, 8], gen);
        var k = Torch.Randn([2, 2, 7, 8], gen);
        var v = Torch.Randn([2, 2, 7, 8], gen);
        var mask = Torch.FromArray(new[] { true, true, true, false, true, false, true, true, false, true, true, true, false, false },
            [2, 1, 1, 7]);
        var a32 = F.ScaledDotProductAttention(q, k, v, mask);
        Tensor a16;
        using (ComputePrecision.Use(Precision.Bf16)) a16 = F.ScaledDotProductAttention(q, k, v, mask);
        AssertClose(a16, a32, "attention");
    }

    [Fact]
    public void GradientsReachTheFloat32WeightsThroughABf16Forward()
    {
        using var gen = new Generator(5);
        using var layer = new Linear(8, 4, generator: gen);
        using var scope = Torch.NewScope();
        var x = Torch.Randn([16, 8], gen);
        layer.Forward(x).Square().Sum().Backward();
        var g32 = layer.Weight.Grad!.Clone();
        layer.Weight.Grad!.ZeroInPlace();
        using (ComputePrecision.Use(Precision.Bf16)) layer.Forward(x).Square().Sum().Backward();
        var g16 = layer.Weight.Grad!;
        AssertClose(g16, g32, "weight gradient");
    }

    [Fact]
    public void ScopesNestAndRestore()
    {
        using (ComputePrecision.Use(Precision.Bf16))
        {
            using (ComputePrecision.Fp32()) Assert.Equal(Precision.Fp32, ComputePrecision.Current);
            Assert.Equal(Precision.Bf16, ComputePrecision.Current);
        }
        Assert.Equal(Precision.Fp32, ComputePrecision.Current);
    }

    [Fact]
    public void EveryPrecisionHasItsConfigSpellingAndReadsBackFromIt()
    {
        Assert.Equal(["fp32", "bf16", "auto"], Enum.GetValues<Precision>().Select(ComputePrecision.Name));
        foreach (var p in Enum.GetValues<Precision>()) Assert.Equal(p, ComputePrecision.FromName(ComputePrecision.Name(p)));
        Assert.Null(ComputePrecision.FromName("fp16"));
        Assert.Null(ComputePrecision.FromName("BF16"));
    }

    [Fact]
    public void AutoIsBf16ExactlyWhereTheCpuHasBf16MatrixUnits()
    {
        var expected = CpuFeatures.HasBf16MatrixUnits ? Precision.Bf16 : Precision.Fp32;
        Assert.Equal(expected, ComputePrecision.Resolve(Precision.Auto));
        using (ComputePrecision.Use(Precision.Auto)) Assert.Equal(expected, ComputePrecision.Current);
        Assert.Equal(Precision.Bf16, ComputePrecision.Resolve(Precision.Bf16));
        Assert.Equal(Precision.Fp32, ComputePrecision.Resolve(Precision.Fp32));
        // the units need AVX-512 BW/VL/DQ and a bf16 instruction set, as the flags say
        bool flags = CpuFeatures.Flags.Contains("avx512bw") && CpuFeatures.Flags.Contains("avx512vl")
            && CpuFeatures.Flags.Contains("avx512dq")
            && (CpuFeatures.Flags.Contains("avx512_bf16") || CpuFeatures.Flags.Contains("amx_bf16"));
        Assert.Equal(flags, CpuFeatures.HasBf16MatrixUnits);
    }

    [Fact]
    public void Bf16WithoutBf16MatrixUnitsEarnsTheSlownessWarningAndNothingElseDoes()
    {
        Assert.Equal(ComputePrecision.SlowBf16Message, ComputePrecision.SlowPrecisionWarning(Precision.Bf16, hasBf16Units: false));
        Assert.Contains("auto", ComputePrecision.SlowBf16Message);
        Assert.Null(ComputePrecision.SlowPrecisionWarning(Precision.Bf16, hasBf16Units: true));
        Assert.Null(ComputePrecision.SlowPrecisionWarning(Precision.Fp32, hasBf16Units: false));
        Assert.Null(ComputePrecision.SlowPrecisionWarning(Precision.Fp32, hasBf16Units: true));
    }
}

[Collection(LeakTestCollection.Name)]
public class ComputePrecisionLeakTests
{
    [Fact]
    public void ABf16TrainingStepLeavesLiveTensorsAtBaseline()
    {
        using var gen = new Generator(6);
        using var layer = new Linear(8, 4, generator: gen);
        using var x = Torch.Randn([16, 8], gen).DetachFromScope();
        using var q = Torch.Randn([1, 2, 16, 2], gen).DetachFromScope();
        void Step()
        {
            using var scope = Torch.NewScope();
            using var precision = ComputePrecision.Use(Precision.Bf16);
            var h = layer.Forward(x).Reshape(1, 16, 2, 2).Transpose(1, 2);
            F.ScaledDotProductAttention(h, q, q).Square().Sum().Backward();
        }
        Step();   // the first backward creates the .grad tensors, which live with the layer
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long baseline = Torch.UnreleasedTensors;
        for (int i = 0; i < 5; i++) Step();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.Equal(baseline, Torch.UnreleasedTensors);
    }
}
