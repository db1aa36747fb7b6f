using Arbor.Tensors.NN;
using static Arbor.Tensors.Tests.Gradients.GradCheck;

namespace Arbor.Tensors.Tests.Gradients;

public class ElementwiseGradTests
{
    private enum Domain { Any, Positive, AwayFromZero }

    // Every differentiable unary op, with inputs chosen away from its kinks and outside its poles.
    private static readonly Dictionary<string, (Func<Tensor, Tensor> f, Domain domain)> Unary = new()
    {
        ["neg"] = (x => -x, Domain.Any),
        ["Neg"] = (x => x.Neg(), Domain.Any),
        ["abs"] = (x => x.Abs(), Domain.AwayFromZero),
        ["exp"] = (x => x.Exp(), Domain.Any),
        ["log"] = (x => x.Log(), Domain.Positive),
        ["sqrt"] = (x => x.Sqrt(), Domain.Positive),
        ["rsqrt"] = (x => x.Rsqrt(), Domain.Positive),
        ["sin"] = (x => x.Sin(), Domain.Any),
        ["cos"] = (x => x.Cos(), Domain.Any),
        ["tanh"] = (x => x.Tanh(), Domain.Any),
        ["F.Tanh"] = (F.Tanh, Domain.Any),
        ["sigmoid"] = (x => x.Sigmoid(), Domain.Any),
        ["F.Sigmoid"] = (F.Sigmoid, Domain.Any),
        ["relu"] = (x => x.Relu(), Domain.AwayFromZero),
        ["silu"] = (x => x.Silu(), Domain.Any),
        ["F.Silu"] = (F.Silu, Domain.Any),
        ["softplus"] = (x => x.Softplus(), Domain.Any),
        ["square"] = (x => x.Square(), Domain.Any),
        ["erf"] = (x => x.Erf(), Domain.Any),
        ["log1p"] = (x => x.Log1p(), Domain.Positive),
        ["expm1"] = (x => x.Expm1(), Domain.Any),
        ["reciprocal"] = (x => x.Reciprocal(), Domain.AwayFromZero),
        ["gelu"] = (x => x.Gelu(), Domain.Any),
        ["gelu-tanh"] = (x => x.Gelu(tanhApproximation: true), Domain.Any),
        ["F.Gelu-tanh"] = (x => F.Gelu(x, tanhApproximation: true), Domain.Any),
        ["pow(2.5)"] = (x => x.Pow(2.5), Domain.Positive),
        ["pow(3)"] = (x => x.Pow(3), Domain.Any),
        ["pow(-1.5)"] = (x => x.Pow(-1.5), Domain.Positive),
        ["clamp(min)"] = (x => x.Clamp(min: 0.1), Domain.AwayFromZero),
        ["clamp(max)"] = (x => x.Clamp(max: -0.1), Domain.AwayFromZero),
        ["clamp(min,max)"] = (x => x.Clamp(-1.0, 1.0), Domain.Any),
        ["x+c"] = (x => x + 0.7, Domain.Any),
        ["x-c"] = (x => x - 0.7, Domain.Any),
        ["c-x"] = (x => 0.7 - x, Domain.Any),
        ["x*c"] = (x => x * -1.3, Domain.Any),
        ["c*x"] = (x => -1.3 * x, Domain.Any),
        ["x/c"] = (x => x / 1.7, Domain.Any),
        ["c/x"] = (x => 1.7 / x, Domain.AwayFromZero),
        ["c+x"] = (x => 0.7 + x, Domain.Any),
        ["remainder(c)"] = (x => x.Remainder(0.45), Domain.Any),
        ["to(float64)"] = (x => x.To(DType.Float64), Domain.Any),
        ["clone"] = (x => x.Clone() * x, Domain.Any),
        ["exp(log)"] = (x => x.Log().Exp() * x.Sqrt(), Domain.Positive),
    };

    public static TheoryData<string> UnaryNames => new(Unary.Keys);

    [Theory]
    [MemberData(nameof(UnaryNames))]
    public void UnaryOpGradientMatchesFiniteDifferences(string name)
    {
        var (f, domain) = Unary[name];
        const int n = 12;
        int seed = name.Length * 7919 + name[0];
        var data = domain switch
        {
            Domain.Positive => Uniform(seed, n, 0.3, 2.5),
            Domain.AwayFromZero => AwayFromZero(seed, n),
            _ => Uniform(seed, n, -2.5, 2.5),
        };
        if (name.StartsWith("clamp(min,max)", StringComparison.Ordinal)) data = AwayFrom(data, -1.0, 1.0);
        if (name.StartsWith("clamp(min)", StringComparison.Ordinal)) data = AwayFrom(data, 0.1);
        if (name.StartsWith("clamp(max)", StringComparison.Ordinal)) data = AwayFrom(data, -0.1);
        if (name == "remainder(c)") data = data.Select(v => Math.Floor(v / 0.45) * 0.45 + 0.1 + 0.25 * Frac(v)).ToArray();
        Check(name, t => f(t[0]), In(data, 3, 4));
    }

    private static double Frac(double v) => v - Math.Floor(v);

    // Keeps every value at least 0.05 from each given breakpoint.
    private static double[] AwayFrom(double[] data, params double[] points) =>
        data.Select(v => points.Aggregate(v, (x, p) => Math.Abs(x - p) < 0.05 ? p + (x < p ? -0.1 : 0.1) : x)).ToArray();

    [Fact]
    public void ClampKeepsBothSidesOfTheRange()
    {
        // Inputs on both sides of both bounds: guards against a clamp test whose inputs never clip.
        var data = new double[] { -2, -1.5, -0.5, 0.3, 0.8, 1.4, 2.2, -0.9 };
        Check("clamp(-1,1) mixed", t => t[0].Clamp(-1.0, 1.0) * t[0], In(data, 8));
    }

    // Binary ops, with broadcasting between the shapes given.
    private static readonly Dictionary<string, Func<Tensor, Tensor, Tensor>> Binary = new()
    {
        ["add"] = (a, b) => a + b,
        ["sub"] = (a, b) => a - b,
        ["mul"] = (a, b) => a * b,
        ["div"] = (a, b) => a / b,
        ["add(alpha)"] = (a, b) => a.Add(b, alpha: -2.5),
        ["pow(tensor)"] = (a, b) => a.Pow(b),
        ["maximum"] = (a, b) => a.Maximum(b),
        ["minimum"] = (a, b) => a.Minimum(b),
        ["atan2"] = (a, b) => a.Atan2(b),
    };

    public static TheoryData<string, string> BinaryCases
    {
        get
        {
            var d = new TheoryData<string, string>();
            foreach (var op in Binary.Keys)
            {
                foreach (var shapes in new[] { "2x3|2x3", "2x3|3", "2x1x3|4x1", "1|2x2" })
                    d.Add(op, shapes);
            }
            return d;
        }
    }

    [Theory]
    [MemberData(nameof(BinaryCases))]
    public void BinaryOpGradientMatchesFiniteDifferences(string op, string shapes)
    {
        var parts = shapes.Split('|').Select(s => s.Split('x').Select(long.Parse).ToArray()).ToArray();
        long[] sa = parts[0], sb = parts[1];
        int na = (int)sa.Aggregate(1L, (p, v) => p * v), nb = (int)sb.Aggregate(1L, (p, v) => p * v);
        double[] a, b;
        switch (op)
        {
            case "div":
                a = Uniform(11, na); b = AwayFromZero(12, nb, 0.5, 2);
                break;
            case "pow(tensor)":
                a = Uniform(13, na, 0.4, 2.5); b = Uniform(14, nb, -1.5, 2.5);
                break;
            case "maximum" or "minimum":
                // Disjoint value sets shuffled together, so no pair ties.
                var all = Distinct(15, na + nb, 0.31, -2.0);
                a = all[..na]; b = all[na..];
                break;
            case "atan2":
                a = Uniform(16, na); b = AwayFromZero(17, nb, 0.3, 2);
                break;
            default:
                a = Uniform(18, na); b = Uniform(19, nb);
                break;
        }
        Check($"{op} {shapes}", t => Binary[op](t[0], t[1]), In(a, sa), In(b, sb));
    }

    [Fact]
    public void SameTensorOnBothSidesAccumulates()
    {
        Check("x*x+x/x.exp()", t => t[0] * t[0] + t[0] / t[0].Exp(), Rand(21, 2, 3));
    }

    [Fact]
    public void LerpGradientFlowsToBothEnds()
    {
        Check("lerp(0.3)", t => t[0].Lerp(t[1], 0.3), Rand(22, 2, 3), Rand(23, 2, 3));
        Check("lerp(1.4) broadcast", t => t[0].Lerp(t[1], 1.4), Rand(24, 2, 3), Rand(25, 3));
    }

    [Fact]
    public void WhereRoutesGradientsByCondition()
    {
        using var scope = Torch.NewScope();
        var cond = Torch.FromArray(new[] { true, false, false, true, true, false }, [2, 3]);
        Check("where", t => Torch.Where(cond, t[0].Sin(), t[1] * t[1]), Rand(26, 2, 3), Rand(27, 2, 3));
        // Broadcast condition and operands.
        var cond1 = Torch.FromArray(new[] { false, true, true }, [3]);
        Check("where broadcast", t => Torch.Where(cond1, t[0], t[1].Exp()), Rand(28, 2, 3), Rand(29, 2, 1));
    }

    [Fact]
    public void MaskedFillZeroesTheGradientOfFilledPositions()
    {
        using var scope = Torch.NewScope();
        var mask = Torch.FromArray(new[] { true, false, false, true, false, true }, [2, 3]);
        Check("masked_fill", t => t[0].Exp().MaskedFill(mask, -3.5), Rand(30, 2, 3));
        var rowMask = Torch.FromArray(new[] { false, true, false }, [3]);
        Check("masked_fill broadcast", t => (t[0] * 2).MaskedFill(rowMask, 0), Rand(31, 2, 3));

        // The filled positions get exactly zero gradient.
        var x = Torch.FromArray(Uniform(32, 6), [2, 3]);
        x.RequiresGrad = true;
        x.Exp().MaskedFill(mask, 1.0).Sum().Backward();
        var g = x.Grad!.ToDoubleArray();
        var m = mask.ToBoolArray();
        var xs = x.ToDoubleArray();
        for (int i = 0; i < 6; i++) Assert.Equal(m[i] ? 0 : Math.Exp(xs[i]), g[i], 12);
    }

    [Fact]
    public void MseLossGradient()
    {
        Check("mse_loss", t => F.MseLoss(t[0], t[1]), Rand(33, 3, 4), Rand(34, 3, 4));
    }
}
