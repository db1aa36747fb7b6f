using System.Globalization;
using System.Text;

namespace Arbor.Tensors.Tests.Gradients;

/// <summary>One float64 input of a gradient check: row-major values and a shape.</summary>
public sealed record GradInput(double[] Data, long[] Shape)
{
    public override string ToString() => $"[{string.Join(", ", Shape)}]";
}

/// <summary>
/// Compares autograd's gradient of an operation with central finite differences, in float64.
/// The output (any shape) is reduced to the scalar sum(out · W) with a fixed random W, so that every
/// output element contributes to the checked gradient.
/// </summary>
public static class GradCheck
{
    public const double DefaultEps = 1e-6;
    public const double DefaultAtol = 1e-6;
    public const double DefaultRtol = 1e-5;

    /// <summary>An input with the given values and shape (the element count must match).</summary>
    public static GradInput In(double[] data, params long[] shape)
    {
        long n = 1;
        foreach (var s in shape) n *= s;
        if (n != data.Length) throw new ArgumentException($"{data.Length} values for shape [{string.Join(", ", shape)}]");
        return new GradInput(data, shape);
    }

    /// <summary>Uniform values in [lo, hi), from a seeded System.Random.</summary>
    public static double[] Uniform(int seed, int count, double lo = -2, double hi = 2)
    {
        var rng = new Random(seed);
        var r = new double[count];
        for (int i = 0; i < count; i++) r[i] = lo + (hi - lo) * rng.NextDouble();
        return r;
    }

    /// <summary>Uniform values in ±[minAbs, maxAbs), random sign: away from the kink at zero.</summary>
    public static double[] AwayFromZero(int seed, int count, double minAbs = 0.2, double maxAbs = 2)
    {
        var rng = new Random(seed);
        var r = new double[count];
        for (int i = 0; i < count; i++)
        {
            double m = minAbs + (maxAbs - minAbs) * rng.NextDouble();
            r[i] = rng.Next(2) == 0 ? -m : m;
        }
        return r;
    }

    /// <summary>A random permutation of {offset, offset + step, ...}: distinct values, no ties.</summary>
    public static double[] Distinct(int seed, int count, double step = 0.37, double offset = -1.5)
    {
        var r = new double[count];
        for (int i = 0; i < count; i++) r[i] = offset + step * i;
        new Random(seed).Shuffle(r);
        return r;
    }

    public static GradInput Rand(int seed, params long[] shape) => In(Uniform(seed, Count(shape)), shape);
    public static GradInput Positive(int seed, params long[] shape) => In(Uniform(seed, Count(shape), 0.3, 2.5), shape);

    private static int Count(long[] shape)
    {
        long n = 1;
        foreach (var s in shape) n *= s;
        return checked((int)n);
    }

    /// <summary>
    /// Asserts that autograd's gradient of <paramref name="f"/> w.r.t. every input matches central
    /// differences within atol + rtol·|numeric|, that the gradient read back through Backward/.Grad equals
    /// the one from Torch.Gradients, and that no tensor leaks.
    /// </summary>
    public static void Check(string op, Func<Tensor[], Tensor> f, params GradInput[] inputs) =>
        Check(op, f, inputs, DefaultAtol, DefaultRtol);

    public static void Check(string op, Func<Tensor[], Tensor> f, GradInput[] inputs, double atol, double rtol,
        double eps = DefaultEps, bool numericNeedsGrad = false)
    {
        long before = Torch.UnreleasedTensors;
        var report = Compare(op, f, inputs, eps, numericNeedsGrad);
        Assert.Equal(before, Torch.UnreleasedTensors);
        report.AssertWithin(atol, rtol);
        for (int i = 0; i < inputs.Length; i++)
        {
            Assert.True(report.AnyNonZero(i),
                $"{op}: the numeric gradient of input {i} is ~0 everywhere, so the check would prove nothing");
        }
    }

    /// <summary>The analytic and numeric gradients, without asserting anything about them.</summary>
    public static Report Compare(string op, Func<Tensor[], Tensor> f, GradInput[] inputs, double eps = DefaultEps,
        bool numericNeedsGrad = false)
    {
        if (inputs.Length == 0) throw new ArgumentException("no inputs to check");
        using var scope = Torch.NewScope();

        // ---- analytic, via torch::autograd::grad ----
        var leaves = MakeLeaves(inputs, requiresGrad: true);
        var output = f(leaves);
        Assert.True(output.DType == DType.Float64, $"{op}: output dtype is {output.DType}, the check needs Float64");
        Assert.True(output.RequiresGrad, $"{op}: the output does not require grad");
        var outShape = output.Shape;
        using var gen = new Generator(0x5EED_0F_9AAD);
        var weight = Torch.Randn(outShape, gen, DType.Float64);
        var loss = (output * weight).Sum();
        var grads = Torch.Gradients(loss, leaves);
        var analytic = new double[inputs.Length][];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (grads[i] is { } g)
            {
                Assert.Equal(inputs[i].Shape, g.Shape);
                analytic[i] = g.ToDoubleArray();
            }
            else
            {
                analytic[i] = new double[inputs[i].Data.Length]; // unused input: a zero gradient
            }
        }

        // ---- analytic again, via Backward and .Grad: must agree with the above ----
        var leaves2 = MakeLeaves(inputs, requiresGrad: true);
        var loss2 = (f(leaves2) * weight).Sum();
        loss2.Backward();
        for (int i = 0; i < inputs.Length; i++)
        {
            var viaBackward = leaves2[i].Grad?.ToDoubleArray() ?? new double[inputs[i].Data.Length];
            for (int j = 0; j < viaBackward.Length; j++)
            {
                Assert.True(Math.Abs(viaBackward[j] - analytic[i][j]) <= 1e-12 * (1 + Math.Abs(analytic[i][j])),
                    $"{op}: input {i} element {j}: Backward/.Grad gave {viaBackward[j]:R}, Torch.Gradients gave {analytic[i][j]:R}");
            }
        }

        // ---- numeric, by central differences ----
        var numeric = new double[inputs.Length][];
        var data = inputs.Select(x => (double[])x.Data.Clone()).ToArray();
        for (int i = 0; i < inputs.Length; i++)
        {
            numeric[i] = new double[data[i].Length];
            for (int j = 0; j < data[i].Length; j++)
            {
                double x0 = data[i][j];
                data[i][j] = x0 + eps;
                double plus = Evaluate(f, data, inputs, weight, outShape, op, numericNeedsGrad);
                data[i][j] = x0 - eps;
                double minus = Evaluate(f, data, inputs, weight, outShape, op, numericNeedsGrad);
                data[i][j] = x0;
                numeric[i][j] = (plus - minus) / (2 * eps);
            }
        }
        return new Report(op, inputs, analytic, numeric);
    }

    private static Tensor[] MakeLeaves(GradInput[] inputs, bool requiresGrad, double[][]? data = null)
    {
        var leaves = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            leaves[i] = Torch.FromArray(data?[i] ?? inputs[i].Data, inputs[i].Shape);
            if (requiresGrad) leaves[i].RequiresGrad = true;
        }
        return leaves;
    }

    private static double Evaluate(Func<Tensor[], Tensor> f, double[][] data, GradInput[] inputs, Tensor weight,
        long[] outShape, string op, bool needsGrad)
    {
        using var scope = Torch.NewScope();
        using var mode = needsGrad ? Torch.EnableGrad() : Torch.NoGrad();
        var output = f(MakeLeaves(inputs, needsGrad, data));
        Assert.Equal(outShape, output.Shape);
        return (output * weight).Sum().Item();
    }

    /// <summary>Gradients of one check: analytic[i][j] and numeric[i][j] for input i, element j.</summary>
    public sealed record Report(string Op, GradInput[] Inputs, double[][] Analytic, double[][] Numeric)
    {
        /// <summary>The worst violation of |a − n| ≤ atol + rtol·|n|, as (excess ratio, input, element).</summary>
        public (double ratio, int input, int element) Worst(double atol, double rtol)
        {
            (double, int, int) worst = (0, -1, -1);
            for (int i = 0; i < Analytic.Length; i++)
            {
                for (int j = 0; j < Analytic[i].Length; j++)
                {
                    double a = Analytic[i][j], n = Numeric[i][j];
                    double ratio = Math.Abs(a - n) / (atol + rtol * Math.Abs(n));
                    if (double.IsNaN(ratio)) ratio = double.PositiveInfinity;
                    if (ratio > worst.Item1) worst = (ratio, i, j);
                }
            }
            return worst;
        }

        public double MaxAbsError => Analytic.Zip(Numeric)
            .SelectMany(p => p.First.Zip(p.Second, (a, n) => Math.Abs(a - n))).DefaultIfEmpty(0).Max();

        /// <summary>True when some gradient element of the input is far from zero: guards against vacuous checks.</summary>
        public bool AnyNonZero(int input, double threshold = 1e-3) => Numeric[input].Any(v => Math.Abs(v) > threshold);

        public void AssertWithin(double atol, double rtol)
        {
            var (ratio, i, j) = Worst(atol, rtol);
            if (ratio <= 1) return;
            var msg = new StringBuilder();
            msg.Append(CultureInfo.InvariantCulture,
                $"{Op}: gradient mismatch for input {i} {Inputs[i]} at element {j} ({Index(Inputs[i].Shape, j)}): ");
            msg.Append(CultureInfo.InvariantCulture,
                $"analytic {Analytic[i][j]:R}, numeric {Numeric[i][j]:R}, |diff| {Math.Abs(Analytic[i][j] - Numeric[i][j]):E3} > " +
                    $"{atol:E1} + {rtol:E1}·|numeric|");
            int bad = 0;
            for (int k = 0; k < Analytic.Length; k++)
            {
                for (int m = 0; m < Analytic[k].Length; m++)
                    if (Math.Abs(Analytic[k][m] - Numeric[k][m]) > atol + rtol * Math.Abs(Numeric[k][m])) bad++;
            }
            msg.Append(CultureInfo.InvariantCulture, $"; {bad} element(s) out of tolerance in all");
            Assert.Fail(msg.ToString());
        }

        private static string Index(long[] shape, int flat)
        {
            var idx = new long[shape.Length];
            long rest = flat;
            for (int d = shape.Length - 1; d >= 0; d--)
            {
                idx[d] = rest % shape[d];
                rest /= shape[d];
            }
            return "[" + string.Join(", ", idx) + "]";
        }
    }
}
