using System.Globalization;

namespace Arbor.Evaluation;

/// <summary>
/// Small-sample statistics for "did this change help?" questions about evaluations. The same prompts and seeds
/// are evaluated before and after a change, so the outcomes come in pairs: comparing the pairs (only prompts
/// whose outcome flipped carry information) is far more sensitive than comparing two independent pass rates,
/// and a difference of a few points on a hundred prompts can be told apart from noise, or shown not to be.
/// Everything here is closed-form or a short numerical routine with no package behind it, so the numbers in a
/// report can be checked by hand.
/// </summary>
public static class PairedStatistics
{
    /// <summary>z_{0.975}: the standard normal quantile for a two-sided 95% interval (≈ 1.959964).</summary>
    private const double Z975 = 1.959963984540054;

    /// <summary>
    /// The change in pass rate over <paramref name="N"/> paired binary outcomes (e.g. the same prompt and seed
    /// evaluated before and after a change).
    /// </summary>
    /// <param name="N">Number of pairs.</param>
    /// <param name="Before">Pass fraction before.</param>
    /// <param name="After">Pass fraction after.</param>
    /// <param name="Change"><paramref name="After"/> − <paramref name="Before"/>.</param>
    /// <param name="Low">Lower end of the 95% confidence interval of the change (Wald, see <see cref="Compare"/>).</param>
    /// <param name="High">Upper end of the 95% confidence interval of the change.</param>
    /// <param name="Gained">Pairs that failed before and pass after.</param>
    /// <param name="Lost">Pairs that passed before and fail after.</param>
    /// <param name="PValue">Exact two-sided McNemar p-value of <paramref name="Gained"/> against <paramref name="Lost"/>.</param>
    public sealed record PairedChange(int N, double Before, double After, double Change, double Low, double High, int Gained,
        int Lost, double PValue)
    {
        /// <summary>The change and its interval in signed percentage points, e.g. <c>+6.3
        /// pts [+1.2, +11.4], p = 0.012 (gained 9, lost 1, n = 128)</c>.</summary>
        public override string ToString() =>
            $"{Points(Change)} pts [{Points(Low)}, {Points(High)}], {FormatP(PValue)} (gained {Gained}, lost {Lost}, n = {N})";
    }

    /// <summary>
    /// The mean of <paramref name="N"/> paired continuous differences (after − before) with its paired-t interval and p-value.
    /// </summary>
    /// <param name="N">Number of pairs.</param>
    /// <param name="Mean">Mean difference, after − before.</param>
    /// <param name="Sd">Sample standard deviation (n − 1) of the differences; NaN for one pair.</param>
    /// <param name="Low">Lower end of the 95% interval, mean − t_{0.975, n−1}·sd/√n.</param>
    /// <param name="High">Upper end of the 95% interval, mean + t_{0.975, n−1}·sd/√n.</param>
    /// <param name="PValue">Two-sided paired-t p-value of "the mean difference is 0".</param>
    public sealed record MeanChange(int N, double Mean, double Sd, double Low, double High, double PValue)
    {
        /// <summary>The mean and interval with explicit signs, e.g. <c>+0.021 [-0.003, +0.045], p = 0.090 (sd 0.03, n = 8)</c>.</summary>
        public override string ToString() =>
            $"{Signed(Mean)} [{Signed(Low)}, {Signed(High)}], {FormatP(PValue)} (sd " +
                $"{Sd.ToString("G3", CultureInfo.InvariantCulture)}, n = {N})";
    }

    /// <summary>An ordinary least-squares line y = Intercept + Slope·x through <paramref name="N"/> points.</summary>
    /// <param name="N">Number of points.</param>
    /// <param name="Slope">OLS slope, Sxy / Sxx.</param>
    /// <param name="SlopeSe">Standard error of the slope, √(SSE/(n − 2) / Sxx); NaN for fewer than 3 points.</param>
    /// <param name="Intercept">OLS intercept, ȳ − Slope·x̄.</param>
    public sealed record Trend(int N, double Slope, double SlopeSe, double Intercept);

    /// <summary>
    /// Compares paired pass/fail outcomes: <paramref name="before"/>[i] and <paramref name="after"/>[i] are the
    /// same prompt and seed. With b = gained (fail → pass) and c = lost (pass → fail) the change is
    /// d = (b − c)/n and its 95% interval is the Wald interval for a paired difference of proportions,
    /// d ± z_{0.975}·√var with var = ((b + c) − (b − c)²/n) / n², clamped to [−1, 1]. Wald is the simple
    /// choice and is too narrow when the discordant counts are tiny (Agresti–Min or Newcombe intervals would
    /// be wider there); it degrades to [0, 0] when nothing flipped (b + c = 0), where the p-value is 1.
    /// The p-value is <see cref="McNemarExactP"/>, which is exact at any count.
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length or are empty.</exception>
    public static PairedChange Compare(IReadOnlyList<bool> before, IReadOnlyList<bool> after)
    {
        CheckPaired(before.Count, after.Count, nameof(before), nameof(after));
        int beforePasses = 0, afterPasses = 0, gained = 0, lost = 0;
        for (int i = 0; i < before.Count; i++)
        {
            if (before[i]) beforePasses++;
            if (after[i]) afterPasses++;
            if (!before[i] && after[i]) gained++;
            if (before[i] && !after[i]) lost++;
        }
        int n = before.Count;
        double change = (double)(gained - lost) / n;
        double halfWidth = Z975 * Math.Sqrt(WaldVariance(gained, lost, n));
        return new PairedChange(n, (double)beforePasses / n, (double)afterPasses / n, change,
            Clamp(change - halfWidth), Clamp(change + halfWidth), gained, lost, McNemarExactP(gained, lost));
    }

    /// <summary>
    /// The exact two-sided McNemar test: under "the change does nothing" each discordant pair is equally likely
    /// to be a gain or a loss, so with n = b + c and k = min(b, c) the p-value is the binomial tail
    /// p = min(1, 2·Σ_{i=0..k} C(n, i)·0.5ⁿ), and 1 when n = 0. The terms are summed in log-space
    /// (C(n, i + 1) = C(n, i)·(n − i)/(i + 1), then log-sum-exp) because 0.5ⁿ underflows a double past n ≈ 1074.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative.</exception>
    public static double McNemarExactP(int gained, int lost)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(gained);
        ArgumentOutOfRangeException.ThrowIfNegative(lost);
        int n = gained + lost, k = Math.Min(gained, lost);
        if (n == 0) return 1;
        // log of C(n, i)·0.5ⁿ for i = 0..k; the terms grow with i (k ≤ n/2), so the last one is the largest
        var logTerms = new double[k + 1];
        logTerms[0] = -n * Math.Log(2);
        for (int i = 0; i < k; i++) logTerms[i + 1] = logTerms[i] + Math.Log((double)(n - i) / (i + 1));
        double max = logTerms[k], sum = 0;
        foreach (double t in logTerms) sum += Math.Exp(t - max);
        return Math.Min(1, 2 * Math.Exp(max + Math.Log(sum)));
    }

    /// <summary>
    /// <see cref="Compare"/> for every group (task family) separately, keyed by group in the order the groups are
    /// first seen in <paramref name="outcomes"/>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="outcomes"/> is empty.</exception>
    public static IReadOnlyDictionary<string, PairedChange> CompareByGroup(IReadOnlyList<(string Group, bool Before, bool After)> outcomes)
    {
        if (outcomes.Count == 0) throw new ArgumentException("no outcomes to compare", nameof(outcomes));
        // OrderedDictionary guarantees first-seen order on enumeration (a plain Dictionary only happens to)
        var pairs = new OrderedDictionary<string, (List<bool> Before, List<bool> After)>();
        foreach (var (group, before, after) in outcomes)
        {
            if (!pairs.TryGetValue(group, out var lists)) pairs.Add(group, lists = ([], []));
            lists.Before.Add(before);
            lists.After.Add(after);
        }
        var changes = new OrderedDictionary<string, PairedChange>();
        foreach (var (group, lists) in pairs) changes.Add(group, Compare(lists.Before, lists.After));
        return changes;
    }

    /// <summary>
    /// The overall change across groups, defined as the project defines overall accuracy: the unweighted mean
    /// over groups (task families), so a large family does not outvote a small one. With G groups,
    /// Change = Σ Change_g / G (Before and After likewise), and since the groups are independent samples its
    /// variance is Σ var_g / G² with var_g the Wald variance of <see cref="Compare"/>; the 95% interval is
    /// Change ± z_{0.975}·√(Σ var_g)/G, clamped to [−1, 1]. The p-value is the exact McNemar test on the pooled
    /// discordant counts (Σ gained against Σ lost): it tests "gains and losses are equally likely over all
    /// pairs", which weights pairs, not groups, and so is a companion to the interval rather than its dual.
    /// N, Gained and Lost are sums over groups.
    /// </summary>
    /// <exception cref="ArgumentException">There are no groups.</exception>
    public static PairedChange Overall(IEnumerable<PairedChange> groups)
    {
        var list = groups.ToList();
        if (list.Count == 0) throw new ArgumentException("no groups to average", nameof(groups));
        int g = list.Count;
        double change = list.Average(x => x.Change);
        double variance = list.Sum(x => WaldVariance(x.Gained, x.Lost, x.N)) / ((double)g * g);
        double halfWidth = Z975 * Math.Sqrt(variance);
        int gained = list.Sum(x => x.Gained), lost = list.Sum(x => x.Lost);
        return new PairedChange(list.Sum(x => x.N), list.Average(x => x.Before), list.Average(x => x.After), change,
            Clamp(change - halfWidth), Clamp(change + halfWidth), gained, lost, McNemarExactP(gained, lost));
    }

    /// <summary><see cref="Overall(IEnumerable{PairedChange})"/> of <see cref="CompareByGroup"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="outcomes"/> is empty.</exception>
    public static PairedChange Overall(IReadOnlyList<(string Group, bool Before, bool After)> outcomes) =>
        Overall(CompareByGroup(outcomes).Values);

    /// <summary>
    /// The paired t-test on d_i = after_i − before_i, for partial scores and for comparing strategies over seeds:
    /// mean d̄, sample SD s (n − 1), 95% interval d̄ ± t_{0.975, n−1}·s/√n, and the two-sided p-value of
    /// t = d̄/(s/√n) under Student's t with n − 1 degrees of freedom. With one pair there is no spread to
    /// estimate (SD, interval and p are NaN); when every difference is the same (n ≥ 2) the SD is 0, the
    /// interval is [d̄, d̄] and p is 1 if d̄ = 0 and 0 otherwise (the limit of t → 0 or t → ±∞).
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length or are empty.</exception>
    public static MeanChange PairedT(IReadOnlyList<double> before, IReadOnlyList<double> after)
    {
        CheckPaired(before.Count, after.Count, nameof(before), nameof(after));
        int n = before.Count;
        var d = new double[n];
        for (int i = 0; i < n; i++) d[i] = after[i] - before[i];
        if (n == 1) return new MeanChange(1, d[0], double.NaN, double.NaN, double.NaN, double.NaN);
        // checked exactly: the mean of identical values need not round back to them, which would make a tiny SD
        if (d.All(x => x == d[0])) return new MeanChange(n, d[0], 0, d[0], d[0], d[0] == 0 ? 1 : 0);
        var (mean, sd) = MeanSd(d);
        double se = sd / Math.Sqrt(n);
        double halfWidth = StudentTQuantile(0.975, n - 1) * se;
        return new MeanChange(n, mean, sd, mean - halfWidth, mean + halfWidth, StudentTTwoSidedP(mean / se, n - 1));
    }

    /// <summary>
    /// Mean and sample standard deviation √(Σ(x − x̄)²/(n − 1)), computed in two passes (subtracting the mean
    /// first keeps the squares small). The mean is NaN for no values, the SD NaN for fewer than two.
    /// </summary>
    public static (double Mean, double Sd) MeanSd(IReadOnlyList<double> values)
    {
        int n = values.Count;
        if (n == 0) return (double.NaN, double.NaN);
        double mean = values.Sum() / n;
        if (n < 2) return (mean, double.NaN);
        double squares = values.Sum(x => (x - mean) * (x - mean));
        return (mean, Math.Sqrt(squares / (n - 1)));
    }

    /// <summary>
    /// Ordinary least-squares line through (x_i, y_i), e.g. a metric against training step: slope Sxy/Sxx,
    /// intercept ȳ − slope·x̄, and the slope's standard error √(SSE/(n − 2) / Sxx) where SSE is the residual sum
    /// of squares (NaN for n &lt; 3: two points fit exactly and leave no residual degree of freedom).
    /// </summary>
    /// <exception cref="ArgumentException">The lists differ in length, have fewer than 2 points, or all x are equal.</exception>
    public static Trend LinearTrend(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count)
            throw new ArgumentException($"x has {x.Count} values but y has {y.Count}: a trend needs one y per x", nameof(y));
        int n = x.Count;
        if (n < 2) throw new ArgumentException($"a trend needs at least 2 points, got {n}", nameof(x));
        // checked exactly, as in PairedT: equal x can leave a rounding-sized Sxx that would give a huge slope
        if (x.All(v => v == x[0])) throw new ArgumentException($"every x is {x[0]}: the slope is undefined", nameof(x));
        double xMean = x.Sum() / n, yMean = y.Sum() / n, sxx = 0, sxy = 0;
        for (int i = 0; i < n; i++)
        {
            sxx += (x[i] - xMean) * (x[i] - xMean);
            sxy += (x[i] - xMean) * (y[i] - yMean);
        }
        double slope = sxy / sxx, intercept = yMean - slope * xMean;
        if (n < 3) return new Trend(n, slope, double.NaN, intercept);
        double sse = 0;
        for (int i = 0; i < n; i++)
        {
            double residual = y[i] - (intercept + slope * x[i]);
            sse += residual * residual;
        }
        return new Trend(n, slope, Math.Sqrt(sse / (n - 2) / sxx), intercept);
    }

    /// <summary>
    /// Standard deviation √(p(1 − p)/n) of a pass fraction over n independent trials with pass probability p:
    /// the noise floor of a single (unpaired) accuracy number.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="n"/> is less than 1.</exception>
    public static double BinomialSd(double p, int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return Math.Sqrt(p * (1 - p) / n);
    }

    /// <summary>
    /// Student's t cumulative distribution P(T ≤ t) with <paramref name="df"/> degrees of freedom, through the
    /// regularized incomplete beta function: P(|T| ≥ |t|) = I_x(df/2, 1/2) with x = df/(df + t²).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="df"/> is not positive.</exception>
    public static double StudentTCdf(double t, double df)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(df);
        if (double.IsNaN(t)) return double.NaN;
        double tail = StudentTTwoSidedP(t, df) / 2;
        return t > 0 ? 1 - tail : tail;
    }

    /// <summary>
    /// Student's t quantile: the t with <see cref="StudentTCdf"/>(t, df) = <paramref name="p"/>. Found by
    /// bisection on the upper tail (not on 1 − CDF, which would cancel for p near 1) after doubling an upper
    /// bracket; the distribution is symmetric, so p &lt; 0.5 is the negated quantile of 1 − p.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="p"/> is
    /// outside [0, 1] or <paramref name="df"/> is not positive.</exception>
    public static double StudentTQuantile(double p, double df)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(df);
        if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, "a probability must lie in [0, 1]");
        if (p < 0.5) return -StudentTQuantile(1 - p, df);
        if (p == 0.5) return 0;
        if (p == 1) return double.PositiveInfinity;
        double q = 1 - p, lo = 0, hi = 1;
        while (StudentTTwoSidedP(hi, df) / 2 > q) { lo = hi; hi *= 2; }
        for (int i = 0; i < 2000 && hi - lo > 1e-15 * hi; i++)
        {
            double mid = (lo + hi) / 2;
            if (StudentTTwoSidedP(mid, df) / 2 > q) lo = mid; else hi = mid;
        }
        return (lo + hi) / 2;
    }

    /// <summary>
    /// The regularized incomplete beta function I_x(a, b) = B(x; a, b)/B(a, b), evaluated as in Numerical Recipes
    /// (betai): the continued fraction converges fast for x &lt; (a + 1)/(a + b + 2), and the symmetry
    /// I_x(a, b) = 1 − I_{1−x}(b, a) covers the rest.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="a"/> or <paramref name="b"/>
    /// is not positive, or <paramref name="x"/> is outside [0, 1].</exception>
    public static double RegularizedIncompleteBeta(double a, double b, double x)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(a);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(b);
        if (!(x >= 0 && x <= 1)) throw new ArgumentOutOfRangeException(nameof(x), x, "x must lie in [0, 1]");
        return IncompleteBeta(a, b, x, 1 - x);
    }

    /// <summary>ln Γ(x) for x &gt; 0 by the Lanczos approximation (g = 7, 9 terms; relative error about 1e-15).</summary>
    internal static double LogGamma(double x)
    {
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);   // reflection
        x -= 1;
        double sum = Lanczos[0], t = x + 7.5;
        for (int i = 1; i < Lanczos.Length; i++) sum += Lanczos[i] / (x + i);
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }

    private static readonly double[] Lanczos =
    [
        0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
        12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
    ];

    /// <summary>P(|T| ≥ |t|) for Student's t with df degrees of freedom: I_{df/(df+t²)}(df/2, 1/2).</summary>
    private static double StudentTTwoSidedP(double t, double df)
    {
        double t2 = t * t;
        if (double.IsInfinity(t2)) return 0;
        // 1 − x is passed as t²/(df + t²) rather than computed, which would cancel for small t
        return IncompleteBeta(df / 2, 0.5, df / (df + t2), t2 / (df + t2));
    }

    /// <summary>I_x(a, b) with y = 1 − x given separately, so a caller that knows y exactly keeps its precision.</summary>
    private static double IncompleteBeta(double a, double b, double x, double y)
    {
        if (x <= 0) return 0;
        if (y <= 0) return 1;
        double front = Math.Exp(LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(y));
        return x < (a + 1) / (a + b + 2)
            ? front * BetaContinuedFraction(a, b, x) / a
            : 1 - front * BetaContinuedFraction(b, a, y) / b;
    }

    /// <summary>
    /// The continued fraction of the incomplete beta function (Numerical Recipes' betacf) by the modified Lentz
    /// method; it needs O(√max(a, b)) terms, so the cap is generous.
    /// </summary>
    private static double BetaContinuedFraction(double a, double b, double x)
    {
        const int maxTerms = 10_000;
        const double epsilon = 1e-15, tiny = 1e-300;   // tiny keeps Lentz's denominators off zero
        double qab = a + b, qap = a + 1, qam = a - 1;
        double c = 1, d = 1 - qab * x / qap;
        if (Math.Abs(d) < tiny) d = tiny;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= maxTerms; m++)
        {
            int m2 = 2 * m;
            // even step
            double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
            d = 1 + aa * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + aa / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            h *= d * c;
            // odd step
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
            d = 1 + aa * d; if (Math.Abs(d) < tiny) d = tiny;
            c = 1 + aa / c; if (Math.Abs(c) < tiny) c = tiny;
            d = 1 / d;
            double delta = d * c;
            h *= delta;
            if (Math.Abs(delta - 1) < epsilon) return h;
        }
        throw new InvalidOperationException($"the incomplete beta continued fraction did not converge for a = {a}, b = {b}, x = {x}");
    }

    /// <summary>Wald variance of a paired difference of proportions, ((b + c) − (b − c)²/n)/n² (never below 0).</summary>
    private static double WaldVariance(int gained, int lost, int n)
    {
        double b = gained, c = lost;
        return Math.Max(0, (b + c) - (b - c) * (b - c) / n) / ((double)n * n);
    }

    private static void CheckPaired(int before, int after, string beforeName, string afterName)
    {
        if (before != after)
        {
            throw new ArgumentException($"{beforeName} has {before} outcomes but {afterName} has {after}: paired outcomes need one " +
                $"of each per pair", afterName);
        }
        if (before == 0) throw new ArgumentException("no pairs to compare: both lists are empty", beforeName);
    }

    private static double Clamp(double value) => Math.Clamp(value, -1, 1);

    /// <summary>A fraction as signed percentage points with one decimal; a value that rounds to 0 prints unsigned.</summary>
    private static string Points(double fraction) => (fraction * 100).ToString("+0.0;-0.0;0.0", CultureInfo.InvariantCulture);

    private static string Signed(double value) =>
        (value > 0 ? "+" : "") + value.ToString("G4", CultureInfo.InvariantCulture);

    private static string FormatP(double p) => p < 0.001 ? "p < 0.001" : $"p = {p.ToString("0.000", CultureInfo.InvariantCulture)}";
}
