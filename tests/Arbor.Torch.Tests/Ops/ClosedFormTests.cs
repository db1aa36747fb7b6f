using Arbor.Tensors.NN;

namespace Arbor.Tensors.Tests.Ops;

/// <summary>Op values against numbers worked out by hand (or by plain loops), in float64.</summary>
public class ClosedFormTests
{
    private const double Tol = 1e-12;

    // Φ(1) and erf(1/√2), to double precision.
    private const double Phi1 = 0.8413447460685429;
    private const double ErfInvSqrt2 = 0.6826894921370859;

    private static void Close(double[] expected, double[] actual, double tol = Tol, string what = "")
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol,
                $"{what} element {i}: expected {expected[i]:R}, got {actual[i]:R} (|diff| {Math.Abs(expected[i] - actual[i]):E2})");
        }
    }

    private static Tensor D(double[] data, params long[] shape) => Torch.FromArray(data, shape);

    [Fact]
    public void SoftmaxAndLogSoftmaxOfOneTwoThree()
    {
        using var scope = Torch.NewScope();
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        var x = D([1, 2, 3], 3);
        Close([Math.Exp(1) / z, Math.Exp(2) / z, Math.Exp(3) / z], x.Softmax(0).ToDoubleArray(), what: "softmax");
        Close([1 - Math.Log(z), 2 - Math.Log(z), 3 - Math.Log(z)], x.LogSoftmax(-1).ToDoubleArray(), what: "log_softmax");
        Assert.Equal(Math.Log(z), x.LogSumExp(0).Item(), Tol);

        // Along dim 0 of a [2, 2]: each column is a softmax of its own.
        var m = D([0, 1, Math.Log(3), 1], 2, 2);
        Close([0.25, 0.5, 0.75, 0.5], m.Softmax(0).ToDoubleArray(), what: "softmax dim 0");
    }

    [Fact]
    public void LayerNormWithoutAffineOfAKnownRow()
    {
        using var scope = Torch.NewScope();
        const double eps = 1e-5;
        // Row [1, 2, 3, 4]: mean 2.5, biased variance 1.25. Row [2, 2, 2, 8]: mean 3.5, variance 6.75.
        var x = D([1, 2, 3, 4, 2, 2, 2, 8], 2, 4);
        var y = F.LayerNorm(x, [4], eps: eps).ToDoubleArray();
        double s0 = Math.Sqrt(1.25 + eps), s1 = Math.Sqrt(6.75 + eps);
        Close([-1.5 / s0, -0.5 / s0, 0.5 / s0, 1.5 / s0, -1.5 / s1, -1.5 / s1, -1.5 / s1, 4.5 / s1], y, what: "layer_norm");

        // Mean 0 and biased variance var/(var + eps) per row: slightly under 1 because of eps.
        var yt = Torch.FromArray(y, [2, 4]);
        Close([0, 0], yt.Mean(1).ToDoubleArray(), what: "row mean");
        Close([1.25 / (1.25 + eps), 6.75 / (6.75 + eps)], yt.Var(1, unbiased: false).ToDoubleArray(), what: "row variance");

        // With affine: w·normalized + b.
        var w = D([2, -1, 0.5, 3], 4);
        var b = D([0.1, 0.2, 0.3, 0.4], 4);
        var ya = F.LayerNorm(x, [4], w, b, eps).ToDoubleArray();
        double[] wv = [2, -1, 0.5, 3], bv = [0.1, 0.2, 0.3, 0.4];
        Close(y.Select((v, i) => wv[i % 4] * v + bv[i % 4]).ToArray(), ya, what: "layer_norm affine");
    }

    [Fact]
    public void Conv2dTwoByTwoKernelOnThreeByThreeInput()
    {
        using var scope = Torch.NewScope();
        // x = [[1,2,3],[4,5,6],[7,8,9]], k = [[1,2],[3,4]]; cross-correlation (no kernel flip).
        var x = D([1, 2, 3, 4, 5, 6, 7, 8, 9], 1, 1, 3, 3);
        var k = D([1, 2, 3, 4], 1, 1, 2, 2);
        // out[0,0] = 1·1 + 2·2 + 3·4 + 4·5 = 37, then 47, 67, 77.
        Assert.Equal(new double[] { 37, 47, 67, 77 }, F.Conv2d(x, k).ToDoubleArray());
        Assert.Equal(new double[] { 37.5, 47.5, 67.5, 77.5 }, F.Conv2d(x, k, D([0.5], 1)).ToDoubleArray());
        // Padding 1, stride 2: windows at padded (0,0), (0,2), (2,0), (2,2)
        // over [[0,0,0,0,0],[0,1,2,3,0],[0,4,5,6,0],[0,7,8,9,0],[0,0,0,0,0]].
        //  (0,0): [0,0;0,1] → 4·1 = 4            (0,2): [0,0;2,3] → 3·2 + 4·3 = 18
        //  (2,0): [0,4;0,7] → 2·4 + 4·7 = 36     (2,2): [5,6;8,9] → 5 + 12 + 24 + 36 = 77
        Assert.Equal(new double[] { 4, 18, 36, 77 }, F.Conv2d(x, k, stride: (2, 2), padding: (1, 1)).ToDoubleArray());
        // Dilation 2 on 3x3 with a 2x2 kernel: one output, taps at the four corners: 1 + 2·3 + 3·7 + 4·9 = 64.
        Assert.Equal(new double[] { 64 }, F.Conv2d(x, k, dilation: (2, 2)).ToDoubleArray());
    }

    [Theory]
    [InlineData(1, 1, 0, 1, 1)]
    [InlineData(2, 2, 1, 1, 1)]
    [InlineData(1, 1, 1, 2, 1)]
    [InlineData(1, 2, 0, 1, 2)]
    [InlineData(2, 1, 2, 2, 2)]
    public void Conv2dMatchesLoopReference(int batch, int stride, int pad, int dil, int groups)
    {
        using var scope = Torch.NewScope();
        int cin = 4, cout = 2 * groups, h = 5, w = 6, kh = 2, kw = 3;
        var xd = Values(1, batch * cin * h * w);
        var wd = Values(2, cout * (cin / groups) * kh * kw);
        var bd = Values(3, cout);
        var y = F.Conv2d(D(xd, batch, cin, h, w), D(wd, cout, cin / groups, kh, kw), D(bd, cout),
            stride: (stride, stride), padding: (pad, pad), dilation: (dil, dil), groups: groups);
        int oh = (h + 2 * pad - dil * (kh - 1) - 1) / stride + 1, ow = (w + 2 * pad - dil * (kw - 1) - 1) / stride + 1;
        Assert.Equal(new long[] { batch, cout, oh, ow }, y.Shape);
        var expected = new double[batch * cout * oh * ow];
        int cinG = cin / groups, coutG = cout / groups;
        for (int n = 0; n < batch; n++)
        {
            for (int co = 0; co < cout; co++)
            {
                for (int i = 0; i < oh; i++)
                {
                    for (int j = 0; j < ow; j++)
                    {
                        double s = bd[co];
                        int g = co / coutG;
                        for (int ci = 0; ci < cinG; ci++)
                        {
                            for (int a = 0; a < kh; a++)
                            {
                                for (int b = 0; b < kw; b++)
                                {
                                    int r = i * stride - pad + a * dil, c = j * stride - pad + b * dil;
                                    if (r < 0 || r >= h || c < 0 || c >= w) continue;
                                    s += xd[((n * cin + g * cinG + ci) * h + r) * w + c] * wd[((co * cinG + ci) * kh + a) * kw + b];
                                }
                            }
                        }
                        expected[((n * cout + co) * oh + i) * ow + j] = s;
                    }
                }
            }
        }
        Close(expected, y.ToDoubleArray(), 1e-12, "conv2d");
    }

    [Fact]
    public void ConvTranspose2dOfOnePixelIsTheScaledKernel()
    {
        using var scope = Torch.NewScope();
        var x = D([3], 1, 1, 1, 1);
        var k = D([1, -2, 0.5, 4], 1, 1, 2, 2);
        Assert.Equal(new double[] { 3, -6, 1.5, 12 }, F.ConvTranspose2d(x, k).ToDoubleArray());
        Assert.Equal(new double[] { 2, -7, 0.5, 11 }, F.ConvTranspose2d(x, k, D([-1], 1)).ToDoubleArray());
        // Two output channels: weight [in=1, out=2, 2, 2]; each output channel is its own kernel scaled.
        var k2 = D([1, 2, 3, 4, -1, -2, -3, -4], 1, 2, 2, 2);
        Assert.Equal(new double[] { 3, 6, 9, 12, -3, -6, -9, -12 }, F.ConvTranspose2d(x, k2).ToDoubleArray());
        // Stride 2 on a 1x2 input: two non-overlapping copies side by side; output padding adds a zero row and column.
        var x12 = D([1, 10], 1, 1, 1, 2);
        var y = F.ConvTranspose2d(x12, k, stride: (2, 2), outputPadding: (1, 1));
        Assert.Equal(new long[] { 1, 1, 3, 5 }, y.Shape);
        Assert.Equal(new double[] { 1, -2, 10, -20, 0, 0.5, 4, 5, 40, 0, 0, 0, 0, 0, 0 }, y.ToDoubleArray());
    }

    [Theory]
    [InlineData(1, 0, 0, 1)]
    [InlineData(2, 1, 1, 1)]
    [InlineData(2, 0, 1, 2)]
    [InlineData(3, 1, 2, 2)]
    public void ConvTranspose2dMatchesLoopReference(int stride, int pad, int outPad, int dil)
    {
        using var scope = Torch.NewScope();
        int cin = 2, cout = 3, h = 3, w = 2, kh = 3, kw = 2;
        var xd = Values(4, cin * h * w);
        var wd = Values(5, cin * cout * kh * kw);
        var y = F.ConvTranspose2d(D(xd, 1, cin, h, w), D(wd, cin, cout, kh, kw), stride: (stride, stride),
            padding: (pad, pad), outputPadding: (outPad, outPad), dilation: (dil, dil));
        int oh = (h - 1) * stride - 2 * pad + dil * (kh - 1) + outPad + 1;
        int ow = (w - 1) * stride - 2 * pad + dil * (kw - 1) + outPad + 1;
        Assert.Equal(new long[] { 1, cout, oh, ow }, y.Shape);
        var expected = new double[cout * oh * ow];
        for (int ci = 0; ci < cin; ci++)
        {
            for (int i = 0; i < h; i++)
            {
                for (int j = 0; j < w; j++)
                {
                    for (int co = 0; co < cout; co++)
                    {
                        for (int a = 0; a < kh; a++)
                        {
                            for (int b = 0; b < kw; b++)
                            {
                                int r = i * stride - pad + a * dil, c = j * stride - pad + b * dil;
                                if (r < 0 || r >= oh || c < 0 || c >= ow) continue;
                                expected[(co * oh + r) * ow + c] += xd[(ci * h + i) * w + j] * wd[((ci * cout + co) * kh + a) * kw + b];
                            }
                        }
                    }
                }
            }
        }
        Close(expected, y.ToDoubleArray(), 1e-12, "conv_transpose2d");
    }

    [Fact]
    public void GroupNormOfAKnownTensor()
    {
        using var scope = Torch.NewScope();
        const double eps = 1e-5;
        // [N=1, C=4, 1, 2] = channels (1,2) (3,4) (5,6) (7,18); two groups of two channels.
        // Group 0: [1,2,3,4], mean 2.5, biased var 1.25. Group 1: [5,6,7,18], mean 9, var (16+9+4+81)/4 = 27.5.
        var x = D([1, 2, 3, 4, 5, 6, 7, 18], 1, 4, 1, 2);
        double s0 = Math.Sqrt(1.25 + eps), s1 = Math.Sqrt(27.5 + eps);
        double[] norm = [-1.5 / s0, -0.5 / s0, 0.5 / s0, 1.5 / s0, -4 / s1, -3 / s1, -2 / s1, 9 / s1];
        Close(norm, F.GroupNorm(x, 2, eps: eps).ToDoubleArray(), what: "group_norm");

        // Affine is per channel (not per group).
        double[] wv = [1, 2, -1, 0.5], bv = [0, 1, -2, 3];
        var y = F.GroupNorm(x, 2, D(wv, 4), D(bv, 4), eps).ToDoubleArray();
        Close(norm.Select((v, i) => wv[i / 2] * v + bv[i / 2]).ToArray(), y, what: "group_norm affine");

        // One group = layer norm over (C, H, W); four groups = instance norm.
        Close(F.LayerNorm(x, [4, 1, 2], eps: eps).ToDoubleArray(), F.GroupNorm(x, 1, eps: eps).ToDoubleArray(), what: "1 group");
        double si = Math.Sqrt(0.25 + eps), sl = Math.Sqrt(30.25 + eps); // channel (7, 18): mean 12.5, var 30.25
        Close([-0.5 / si, 0.5 / si, -0.5 / si, 0.5 / si, -0.5 / si, 0.5 / si, -5.5 / sl, 5.5 / sl],
            F.GroupNorm(x, 4, eps: eps).ToDoubleArray(), what: "4 groups");
    }

    // softmax(q·kᵀ/√d + mask)·v by hand, for one [lq, d] head.
    private static double[] Attention(double[] q, double[] k, double[] v, int lq, int lk, int d, int dv, double[]? mask, bool causal)
    {
        var o = new double[lq * dv];
        for (int i = 0; i < lq; i++)
        {
            var s = new double[lk];
            for (int j = 0; j < lk; j++)
            {
                double dot = 0;
                for (int c = 0; c < d; c++) dot += q[i * d + c] * k[j * d + c];
                s[j] = dot / Math.Sqrt(d) + (mask?[i * lk + j] ?? 0);
                if (causal && j > i) s[j] = double.NegativeInfinity;
            }
            double mx = s.Max();
            var e = s.Select(x => Math.Exp(x - mx)).ToArray();
            double z = e.Sum();
            for (int c = 0; c < dv; c++)
                for (int j = 0; j < lk; j++) o[i * dv + c] += e[j] / z * v[j * dv + c];
        }
        return o;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SdpaOnTinyInputsMatchesHandComputation(bool forceComposite)
    {
        using var scope = Torch.NewScope();
        double[] q = [1, 0, 0, 1], k = [1, 0, 1, 1], v = [1, 2, 3, 4, 5, 6];
        var qt = D(q, 1, 2, 2); var kt = D(k, 1, 2, 2); var vt = D(v, 1, 2, 3);

        // Row 0: scores (1, 1)/√2 → equal weights → v mean = (2.5, 3.5, 4.5).
        // Row 1: scores (0, 1)/√2 → weights 1/(1+e^{1/√2}), e^{1/√2}/(1+e^{1/√2}).
        double e = Math.Exp(1 / Math.Sqrt(2)), a = 1 / (1 + e), b = e / (1 + e);
        double[] byHand = [2.5, 3.5, 4.5, a * 1 + b * 4, a * 2 + b * 5, a * 3 + b * 6];
        Close(byHand, F.ScaledDotProductAttention(qt, kt, vt, forceComposite: forceComposite).ToDoubleArray(), what: "sdpa");
        Close(byHand, Attention(q, k, v, 2, 2, 2, 3, null, false), what: "reference");

        // Causal: row 0 sees only key 0, so it is v[0]; row 1 is unchanged.
        double[] causal = [1, 2, 3, byHand[3], byHand[4], byHand[5]];
        Close(causal,
            F.ScaledDotProductAttention(qt, kt, vt, causal: true, forceComposite: forceComposite).ToDoubleArray(), what: "causal");

        // A float mask is added to the scores: +ln 3 on (0, 1) makes row 0's weights (1/4, 3/4).
        double[] mask = [0, Math.Log(3), 0, 0];
        var got = F.ScaledDotProductAttention(qt, kt, vt, D(mask, 2, 2), forceComposite: forceComposite).ToDoubleArray();
        Close([0.25 * 1 + 0.75 * 4, 0.25 * 2 + 0.75 * 5, 0.25 * 3 + 0.75 * 6, byHand[3], byHand[4], byHand[5]], got, what: "float mask");

        // A bool mask marks positions to attend: false on (1, 1) makes row 1 equal v[0].
        var bmask = Torch.FromArray(new[] { true, true, true, false }, [2, 2]);
        Close([2.5, 3.5, 4.5, 1, 2, 3],
            F.ScaledDotProductAttention(qt, kt, vt, bmask, forceComposite: forceComposite).ToDoubleArray(), what: "bool mask");
    }

    [Fact]
    public void SdpaMatchesLoopReferenceOnRandomInputs()
    {
        using var scope = Torch.NewScope();
        using var gen = new Generator(7);
        int lq = 3, lk = 5, d = 4, dv = 2;
        var q = Torch.Randn([lq, d], gen, DType.Float64);
        var k = Torch.Randn([lk, d], gen, DType.Float64);
        var v = Torch.Randn([lk, dv], gen, DType.Float64);
        var m = Torch.Randn([lq, lk], gen, DType.Float64);
        double[] qd = q.ToDoubleArray(), kd = k.ToDoubleArray(), vd = v.ToDoubleArray();
        // A bool mask (true = attend), as an additive 0 / −∞ mask for the reference.
        var keep = new bool[lq * lk];
        for (int i = 0; i < keep.Length; i++) keep[i] = i % 3 != 1 || i % lk == 0;
        var bm = Torch.FromArray(keep, [lq, lk]);
        var additive = keep.Select(b => b ? 0.0 : double.NegativeInfinity).ToArray();
        foreach (var composite in new[] { false, true })
        {
            Close(Attention(qd, kd, vd, lq, lk, d, dv, null, false),
                F.ScaledDotProductAttention(q.Unsqueeze(0), k.Unsqueeze(0), v.Unsqueeze(0), forceComposite: composite).ToDoubleArray(),
                1e-12, $"plain composite={composite}");
            Close(Attention(qd, kd, vd, lq, lk, d, dv, m.ToDoubleArray(), false),
                F.ScaledDotProductAttention(q.Unsqueeze(0), k.Unsqueeze(0), v.Unsqueeze(0), m, forceComposite: composite).ToDoubleArray(),
                1e-12, $"float mask composite={composite}");
            // Causal with lq < lk: query i sees keys 0..i (top-left aligned, as torch's is_causal).
            Close(Attention(qd, kd, vd, lq, lk, d, dv, null, true),
                F.ScaledDotProductAttention(q.Unsqueeze(0), k.Unsqueeze(0), v.Unsqueeze(0), causal: true,
                    forceComposite: composite).ToDoubleArray(),
                1e-12, $"causal composite={composite}");
            Close(Attention(qd, kd, vd, lq, lk, d, dv, additive, false),
                F.ScaledDotProductAttention(q.Unsqueeze(0), k.Unsqueeze(0), v.Unsqueeze(0), bm, forceComposite: composite).ToDoubleArray(),
                1e-12, $"bool mask composite={composite}");
        }
    }

    // Where libtorch has no fused kernel (< 2.0, see F.FusedAttentionAvailable) both calls take the composite
    // path and this only checks determinism; SdpaMatchesLoopReferenceOnRandomInputs checks the values themselves.
    [Fact]
    public void FusedAndCompositeAttentionAgree()
    {
        using var scope = Torch.NewScope();
        using var gen = new Generator(11);
        var q = Torch.Randn([2, 3, 4, 8], gen, DType.Float64);
        var k = Torch.Randn([2, 3, 4, 8], gen, DType.Float64);
        var v = Torch.Randn([2, 3, 4, 5], gen, DType.Float64);
        var fm = Torch.Randn([4, 4], gen, DType.Float64);
        var bm = Torch.Rand([4, 4], gen, DType.Float64).Gt(0.3).LogicalOr(Torch.Eye(4, DType.Bool));
        foreach (var (mask, causal) in new (Tensor?, bool)[] { (null, false), (null, true), (fm, false), (bm, false) })
        {
            var a = F.ScaledDotProductAttention(q, k, v, mask, causal: causal).ToDoubleArray();
            var b = F.ScaledDotProductAttention(q, k, v, mask, causal: causal, forceComposite: true).ToDoubleArray();
            Close(a, b, 1e-12, $"mask={mask?.DType.ToString() ?? "none"} causal={causal}");
        }
    }

    [Fact]
    public void GeluAtKnownPoints()
    {
        using var scope = Torch.NewScope();
        var x = D([1, -1, 0, 2], 4);
        Assert.Equal(ErfInvSqrt2, D([1 / Math.Sqrt(2)], 1).Erf().Item(), Tol);
        // Exact: x·Φ(x) = 0.5·x·(1 + erf(x/√2)); Φ(2) = 0.9772498680518208.
        Close([0.5 * (1 + ErfInvSqrt2), -(1 - Phi1), 0, 2 * 0.9772498680518208], x.Gelu().ToDoubleArray(), what: "gelu");
        // Tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
        var tanhForm = new[]
        {
            1.0, -1, 0, 2
        }.Select(v => 0.5 * v * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)))).ToArray();
        Close(tanhForm, x.Gelu(tanhApproximation: true).ToDoubleArray(), what: "gelu tanh");
        // The two differ (by ~1.6e-4 at 1), so the flag really selects a different formula.
        Assert.True(Math.Abs(x.Gelu().ToDoubleArray()[0] - x.Gelu(true).ToDoubleArray()[0]) > 1e-5);
    }

    [Fact]
    public void SiluSigmoidSoftplusAtKnownPoints()
    {
        using var scope = Torch.NewScope();
        var x = D([0, Math.Log(3), -Math.Log(3), 2], 4);
        Close([0.5, 0.75, 0.25, 1 / (1 + Math.Exp(-2))], x.Sigmoid().ToDoubleArray(), what: "sigmoid");
        Close([0, 0.75 * Math.Log(3), -0.25 * Math.Log(3), 2 / (1 + Math.Exp(-2))], x.Silu().ToDoubleArray(), what: "silu");
        Close([Math.Log(2), Math.Log(4), Math.Log(4.0 / 3), Math.Log(1 + Math.Exp(2))], x.Softplus().ToDoubleArray(), what: "softplus");
        Close([0, 0.8, -0.8, Math.Tanh(2)], x.Tanh().ToDoubleArray(), what: "tanh"); // tanh(ln 3) = (9−1)/(9+1)
    }

    [Fact]
    public void VarianceAndStdBiasedVersusUnbiasedOnOneToSix()
    {
        using var scope = Torch.NewScope();
        var x = D([1, 2, 3, 4, 5, 6], 6);
        // Mean 3.5; squared deviations sum to 17.5.
        Assert.Equal(17.5 / 5, x.Var().Item(), Tol);
        Assert.Equal(17.5 / 6, x.Var(unbiased: false).Item(), Tol);
        Assert.Equal(Math.Sqrt(3.5), x.Std().Item(), Tol);
        Assert.Equal(Math.Sqrt(17.5 / 6), x.Std(unbiased: false).Item(), Tol);
        // As [2, 3] rows (1,2,3) and (4,5,6): per-row unbiased var 1, biased 2/3.
        var m = x.Reshape(2, 3);
        Close([1, 1], m.Var(1).ToDoubleArray(), what: "var(1)");
        Close([2.0 / 3, 2.0 / 3], m.Var(1, unbiased: false).ToDoubleArray(), what: "var(1) biased");
        Assert.Equal(new long[] { 2, 1 }, m.Std(1, keepDim: true).Shape);
        Close([1, 1], m.Std(1, keepDim: true).ToDoubleArray(), what: "std(1)");
        // Columns (1,4), (2,5), (3,6): unbiased var 4.5, biased 2.25.
        Close([4.5, 4.5, 4.5], m.Var(0).ToDoubleArray(), what: "var(0)");
        Close([1.5, 1.5, 1.5], m.Std(0, unbiased: false).ToDoubleArray(), what: "std(0) biased");
    }

    [Fact]
    public void NormProdAndMatmulByHand()
    {
        using var scope = Torch.NewScope();
        Assert.Equal(5, D([3, 4], 2).Norm().Item(), Tol);
        Close([5, 13], D([3, 4, 5, 12], 2, 2).Norm(1).ToDoubleArray(), what: "norm(1)");
        Assert.Equal(-720, D([1, -2, 3, 4, 5, 6], 6).Prod().Item());
        // [[1,2],[3,4]]·[[5,6],[7,8]] = [[19,22],[43,50]].
        Assert.Equal(new double[] { 19, 22, 43, 50 }, D([1, 2, 3, 4], 2, 2).Matmul(D([5, 6, 7, 8], 2, 2)).ToDoubleArray());
        // Linear: x·Wᵀ + b.
        Assert.Equal(new double[] { 1 * 1 + 2 * 0 + 0.5, 1 * -1 + 2 * 3 - 0.5 },
            F.Linear(D([1, 2], 1, 2), D([1, 0, -1, 3], 2, 2), D([0.5, -0.5], 2)).ToDoubleArray());
    }

    private static double[] Values(int seed, int n)
    {
        var r = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => Math.Round(r.NextDouble() * 4 - 2, 3)).ToArray();
    }

    [Fact]
    public void MaxAndMinShareTheGradientEvenlyAmongTies()
    {
        using var scope = Torch.NewScope();
        var x = Torch.FromArray(new double[] { 1, 3, 3, -2, 0, -2 }, [2, 3]);
        x.RequiresGrad = true;
        var g = Torch.Gradients(x.Max(), [x])[0]!.ToDoubleArray();
        Assert.Equal(new double[] { 0, 0.5, 0.5, 0, 0, 0 }, g);
        g = Torch.Gradients(x.Min(1).Sum(), [x])[0]!.ToDoubleArray();
        Assert.Equal(new double[] { 1, 0, 0, 0.5, 0, 0.5 }, g);
    }
}
