using Arbor.Evaluation;

namespace Arbor.Tests.Evaluation;

public class PairedStatisticsTests
{
    private const double Z = 1.959963984540054;   // z_{0.975}

    /// <summary>Paired outcomes from counts of each kind of pair (the order of the pairs does not matter).</summary>
    private static (bool[] Before, bool[] After) Pairs(int gained, int lost, int bothPass, int bothFail)
    {
        var pairs = Enumerable.Repeat((false, true), gained).Concat(Enumerable.Repeat((true, false), lost))
            .Concat(Enumerable.Repeat((true, true), bothPass)).Concat(Enumerable.Repeat((false, false), bothFail)).ToArray();
        return ([.. pairs.Select(p => p.Item1)], [.. pairs.Select(p => p.Item2)]);
    }

    [Fact]
    public void McNemarExactPMatchesHandComputedBinomialTails()
    {
        Assert.Equal(1, PairedStatistics.McNemarExactP(0, 0));                     // nothing flipped
        Assert.Equal(0.0625, PairedStatistics.McNemarExactP(5, 0), 1e-12);         // 2·C(5,0)·0.5⁵ = 2/32
        Assert.Equal(0.021484375, PairedStatistics.McNemarExactP(9, 1), 1e-12);    // 2·(C(10,0) + C(10,1))/2¹⁰ = 2·11/1024
        Assert.Equal(0.375, PairedStatistics.McNemarExactP(4, 1), 1e-12);          // 2·(1 + 5)/32
        Assert.Equal(1, PairedStatistics.McNemarExactP(3, 3), 1e-12);              // 2·(1 + 6 + 15 + 20)/64 = 1.3125, capped
        Assert.Equal(2 * Math.Pow(0.5, 20), PairedStatistics.McNemarExactP(0, 20), 1e-15);
        Assert.Equal(PairedStatistics.McNemarExactP(9, 1), PairedStatistics.McNemarExactP(1, 9));
        Assert.Equal(PairedStatistics.McNemarExactP(7, 12), PairedStatistics.McNemarExactP(12, 7));
    }

    [Fact]
    public void McNemarExactPStaysFiniteWhereHalfToTheNUnderflows()
    {
        // 0.5^10100 underflows a double; the exact tail 2·Σ_{i≤5000} C(10100, i)/2^10100 was computed with
        // Python's integer math.comb
        double p = PairedStatistics.McNemarExactP(5000, 5100);
        Assert.True(p > 0 && p < 1);
        Assert.Equal(0.3245815463313939, p, 1e-9);
        Assert.True(PairedStatistics.McNemarExactP(0, 5000) >= 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => PairedStatistics.McNemarExactP(-1, 3));
    }

    [Fact]
    public void CompareMatchesHandComputedWaldIntervalAndMcNemarP()
    {
        // 10 pairs: 4 gained, 1 lost, 3 pass both times, 2 fail both times
        var (before, after) = Pairs(gained: 4, lost: 1, bothPass: 3, bothFail: 2);
        var change = PairedStatistics.Compare(before, after);
        Assert.Equal(10, change.N);
        Assert.Equal(0.4, change.Before, 1e-12);          // (1 lost + 3 both)/10
        Assert.Equal(0.7, change.After, 1e-12);           // (4 gained + 3 both)/10
        Assert.Equal(0.3, change.Change, 1e-12);          // (4 − 1)/10
        // var = ((b + c) − (b − c)²/n)/n² = (5 − 9/10)/100 = 0.041; half-width z·√0.041 = 0.3968624593589814
        double halfWidth = Z * Math.Sqrt(0.041);
        Assert.Equal(0.3 - halfWidth, change.Low, 1e-9);
        Assert.Equal(0.3 + halfWidth, change.High, 1e-9);
        Assert.Equal(-0.0968624593589814, change.Low, 1e-9);
        Assert.Equal(4, change.Gained);
        Assert.Equal(1, change.Lost);
        Assert.Equal(0.375, change.PValue, 1e-12);       // 2·(C(5,0) + C(5,1))/2⁵ = 12/32
        Assert.Equal("+30.0 pts [-9.7, +69.7], p = 0.375 (gained 4, lost 1, n = 10)", change.ToString());
    }

    [Fact]
    public void CompareClampsTheIntervalToPlusMinusOne()
    {
        // 2 pairs, 1 gained, 1 fails both times: d = 0.5, var = (1 − 1/2)/4 = 0.125, z·√0.125 = 0.69296 > 0.5
        var change = PairedStatistics.Compare([false, false], [true, false]);
        Assert.Equal(0.5, change.Change, 1e-12);
        Assert.Equal(0.5 - Z * Math.Sqrt(0.125), change.Low, 1e-9);
        Assert.Equal(1, change.High);
    }

    [Fact]
    public void CompareOfIdenticalOutcomesIsNoChangeWithCertainty()
    {
        bool[] outcomes = [true, false, true, true, false];
        var change = PairedStatistics.Compare(outcomes, outcomes);
        Assert.Equal(0.6, change.Before, 1e-12);
        Assert.Equal(0.6, change.After, 1e-12);
        Assert.Equal(0, change.Change);
        Assert.Equal(0, change.Low);
        Assert.Equal(0, change.High);
        Assert.Equal(1, change.PValue);
        Assert.Equal("0.0 pts [0.0, 0.0], p = 1.000 (gained 0, lost 0, n = 5)", change.ToString());
    }

    [Fact]
    public void CompareRejectsUnpairedOrEmptyOutcomes()
    {
        var mismatch = Assert.Throws<ArgumentException>(() => PairedStatistics.Compare([true, false], [true]));
        Assert.Contains("2", mismatch.Message);
        Assert.Contains("1", mismatch.Message);
        Assert.Throws<ArgumentException>(() => PairedStatistics.Compare([], []));
        Assert.Throws<ArgumentException>(() => PairedStatistics.PairedT([1.0], [1.0, 2.0]));
    }

    [Fact]
    public void CompareByGroupKeepsFirstSeenOrderAndOverallAveragesGroups()
    {
        // group "b" (seen first): 4 pairs, 0 gained, 1 lost, 1 pass both, 2 fail both
        // group "a": the 10-pair example above (4 gained, 1 lost, 3 pass both, 2 fail both)
        // the two groups' pairs are interleaved: b, a, b, a, b, a, b, a, a, ...
        var (aBefore, aAfter) = Pairs(gained: 4, lost: 1, bothPass: 3, bothFail: 2);
        (bool, bool)[] bPairs = [(true, false), (true, true), (false, false), (false, false)];
        var outcomes = new List<(string Group, bool Before, bool After)>();
        for (int i = 0; i < aBefore.Length; i++)
        {
            if (i < bPairs.Length) outcomes.Add(("b", bPairs[i].Item1, bPairs[i].Item2));
            outcomes.Add(("a", aBefore[i], aAfter[i]));
        }

        var groups = PairedStatistics.CompareByGroup(outcomes);
        Assert.Equal(new[] { "b", "a" }, groups.Keys);
        var b = groups["b"];
        Assert.Equal(0.5, b.Before, 1e-12);              // 2/4
        Assert.Equal(0.25, b.After, 1e-12);              // 1/4
        Assert.Equal(-0.25, b.Change, 1e-12);
        Assert.Equal(0.3, groups["a"].Change, 1e-12);

        var overall = PairedStatistics.Overall(outcomes);
        Assert.Equal(14, overall.N);
        Assert.Equal((0.4 + 0.5) / 2, overall.Before, 1e-12);      // 0.45: mean of the groups' fractions, not 6/14
        Assert.Equal((0.7 + 0.25) / 2, overall.After, 1e-12);      // 0.475
        Assert.Equal((0.3 - 0.25) / 2, overall.Change, 1e-12);     // 0.025
        // var_a = 0.041; var_b = (1 − 1/4)/16 = 0.046875; var = (0.041 + 0.046875)/2² = 0.02196875
        double halfWidth = Z * Math.Sqrt(0.02196875);              // 0.29050309545187997
        Assert.Equal(0.025 - halfWidth, overall.Low, 1e-9);
        Assert.Equal(0.025 + halfWidth, overall.High, 1e-9);
        Assert.Equal(0.31550309545187997, overall.High, 1e-9);
        Assert.Equal(4, overall.Gained);
        Assert.Equal(2, overall.Lost);
        Assert.Equal(0.6875, overall.PValue, 1e-12);               // pooled 4 vs 2: 2·(1 + 6 + 15)/64 = 44/64
        Assert.Equal(overall, PairedStatistics.Overall(groups.Values));
        Assert.Throws<ArgumentException>(() => PairedStatistics.CompareByGroup([]));
    }

    [Fact]
    public void PairedTMatchesHandComputedTTest()
    {
        // differences {1, 2, 3}: mean 2, sd √((1 + 0 + 1)/2) = 1, se 1/√3, t = 2√3 = 3.4641 with 2 df.
        // For 2 df, P(|T| ≥ t) = 1 − t/√(t² + 2) = 1 − 2√3/√14 = 0.07417990022744858, and t_{0.975,2} solves
        // t/√(t² + 2) = 0.95, i.e. t = √(2·0.9025/0.0975) = 4.302652729749464
        var change = PairedStatistics.PairedT([1.0, 2.0, 3.0], [2.0, 4.0, 6.0]);
        Assert.Equal(3, change.N);
        Assert.Equal(2, change.Mean, 1e-12);
        Assert.Equal(1, change.Sd, 1e-12);
        double halfWidth = 4.302652729749464 / Math.Sqrt(3);
        Assert.Equal(2 - halfWidth, change.Low, 1e-9);
        Assert.Equal(2 + halfWidth, change.High, 1e-9);
        Assert.Equal(0.07417990022744858, change.PValue, 1e-9);
    }

    [Fact]
    public void PairedTDegradesForOnePairAndForConstantDifferences()
    {
        var one = PairedStatistics.PairedT([1.0], [1.5]);
        Assert.Equal(0.5, one.Mean);
        Assert.True(double.IsNaN(one.Sd) && double.IsNaN(one.Low) && double.IsNaN(one.High) && double.IsNaN(one.PValue));

        // (0.1 + 0.1 + 0.1)/3 rounds to 0.10000000000000002, which would leave a rounding-sized SD;
        // every difference is the same double, so the mean is that double and the SD exactly 0
        var constant = PairedStatistics.PairedT([0.0, 0.0, 0.0], [0.1, 0.1, 0.1]);
        Assert.Equal(0.1, constant.Mean);
        Assert.Equal(0, constant.Sd);
        Assert.Equal(0.1, constant.Low);
        Assert.Equal(0.1, constant.High);
        Assert.Equal(0, constant.PValue);

        var none = PairedStatistics.PairedT([1.0, 2.0], [1.0, 2.0]);
        Assert.Equal(0, none.Mean);
        Assert.Equal(1, none.PValue);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.3)]
    [InlineData(1.0)]
    [InlineData(-2.5)]
    [InlineData(6.0)]
    [InlineData(-40.0)]
    [InlineData(1000.0)]
    public void StudentTCdfMatchesClosedFormsForOneAndTwoDegreesOfFreedom(double t)
    {
        // df = 1 is the Cauchy distribution: 0.5 + atan(t)/π; df = 2: 0.5 + t/(2√(t² + 2))
        Assert.Equal(0.5 + Math.Atan(t) / Math.PI, PairedStatistics.StudentTCdf(t, 1), 1e-12);
        Assert.Equal(0.5 + t / (2 * Math.Sqrt(t * t + 2)), PairedStatistics.StudentTCdf(t, 2), 1e-12);
    }

    [Fact]
    public void StudentTQuantileMatchesClosedFormsAndInvertsTheCdf()
    {
        Assert.Equal(Math.Tan(Math.PI * (0.975 - 0.5)), PairedStatistics.StudentTQuantile(0.975, 1), 1e-9);  // 12.706204736174696
        Assert.Equal(4.302652729749464, PairedStatistics.StudentTQuantile(0.975, 2), 1e-9);
        Assert.Equal(-4.302652729749464, PairedStatistics.StudentTQuantile(0.025, 2), 1e-9);
        Assert.Equal(0, PairedStatistics.StudentTQuantile(0.5, 7));
        // t_{0.975,df} → z_{0.975} as df grows; the gap is about (z³ + z)/(4·df) = 2.4e-5 at df = 1e5
        Assert.Equal(Z, PairedStatistics.StudentTQuantile(0.975, 1e5), 1e-4);
        foreach (double df in new[] { 1.0, 2, 3, 5, 30, 500 })
        {
            foreach (double p in new[] { 0.001, 0.05, 0.3, 0.6, 0.9, 0.975, 0.9999 })
                Assert.Equal(p, PairedStatistics.StudentTCdf(PairedStatistics.StudentTQuantile(p, df), df), 1e-12);
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => PairedStatistics.StudentTQuantile(1.5, 3));
    }

    [Fact]
    public void IncompleteBetaAndLogGammaMatchClosedForms()
    {
        Assert.Equal(0.3, PairedStatistics.RegularizedIncompleteBeta(1, 1, 0.3), 1e-12);     // uniform: I_x(1, 1) = x
        Assert.Equal(0.09, PairedStatistics.RegularizedIncompleteBeta(2, 1, 0.3), 1e-12);    // I_x(2, 1) = x²
        Assert.Equal(1 - 0.7 * 0.7, PairedStatistics.RegularizedIncompleteBeta(1, 2, 0.3), 1e-12);  // 1 − (1 − x)²
        Assert.Equal(Math.Log(24), PairedStatistics.LogGamma(5), 1e-12);                  // Γ(5) = 4!
        Assert.Equal(0.5 * Math.Log(Math.PI), PairedStatistics.LogGamma(0.5), 1e-12);     // Γ(1/2) = √π
        Assert.Equal(Math.Log(Math.Sqrt(Math.PI) / 2), PairedStatistics.LogGamma(1.5), 1e-12);
    }

    [Fact]
    public void LinearTrendFitsExactAndNoisyLines()
    {
        var exact = PairedStatistics.LinearTrend([0.0, 1, 2, 3, 4], [1.0, 3, 5, 7, 9]);   // y = 2x + 1
        Assert.Equal(2, exact.Slope, 1e-12);
        Assert.Equal(1, exact.Intercept, 1e-12);
        Assert.Equal(0, exact.SlopeSe, 1e-9);

        // x = 0..3, y = {1, 3, 2, 5}: x̄ = 1.5, ȳ = 2.75, Sxx = 2.25 + 0.25 + 0.25 + 2.25 = 5,
        // Sxy = (−1.5)(−1.75) + (−0.5)(0.25) + (0.5)(−0.75) + (1.5)(2.25) = 2.625 − 0.125 − 0.375 + 3.375 = 5.5,
        // slope 1.1, intercept 2.75 − 1.65 = 1.1; fitted {1.1, 2.2, 3.3, 4.4}, residuals {−0.1, 0.8, −1.3, 0.6},
        // SSE = 0.01 + 0.64 + 1.69 + 0.36 = 2.7, SE = √(2.7/2/5) = √0.27
        var noisy = PairedStatistics.LinearTrend([0.0, 1, 2, 3], [1.0, 3, 2, 5]);
        Assert.Equal(4, noisy.N);
        Assert.Equal(1.1, noisy.Slope, 1e-12);
        Assert.Equal(1.1, noisy.Intercept, 1e-12);
        Assert.Equal(Math.Sqrt(0.27), noisy.SlopeSe, 1e-12);

        var two = PairedStatistics.LinearTrend([1.0, 3], [2.0, 6]);
        Assert.Equal(2, two.Slope, 1e-12);
        Assert.True(double.IsNaN(two.SlopeSe));
    }

    [Fact]
    public void LinearTrendRejectsWhatHasNoSlope()
    {
        Assert.Throws<ArgumentException>(() => PairedStatistics.LinearTrend([1.0, 2], [1.0]));
        Assert.Throws<ArgumentException>(() => PairedStatistics.LinearTrend([1.0], [1.0]));
        var flat = Assert.Throws<ArgumentException>(() => PairedStatistics.LinearTrend([0.1, 0.1, 0.1], [1.0, 2, 3]));
        Assert.Contains("x", flat.Message);
    }

    [Fact]
    public void MeanSdAndBinomialSdMatchHandValues()
    {
        // {2, 4, 4, 4, 5, 5, 7, 9}: mean 40/8 = 5, Σ(x − 5)² = 9 + 1 + 1 + 1 + 0 + 0 + 4 + 16 = 32, sd = √(32/7)
        var (mean, sd) = PairedStatistics.MeanSd([2.0, 4, 4, 4, 5, 5, 7, 9]);
        Assert.Equal(5, mean, 1e-12);
        Assert.Equal(Math.Sqrt(32.0 / 7), sd, 1e-12);
        var (single, singleSd) = PairedStatistics.MeanSd([3.0]);
        Assert.Equal(3, single);
        Assert.True(double.IsNaN(singleSd));
        Assert.True(double.IsNaN(PairedStatistics.MeanSd([]).Mean));

        Assert.Equal(0.05, PairedStatistics.BinomialSd(0.5, 100), 1e-12);   // √(0.25/100)
        Assert.Equal(0.08, PairedStatistics.BinomialSd(0.2, 25), 1e-12);    // √(0.16/25)
        Assert.Equal(0, PairedStatistics.BinomialSd(1, 10));
    }
}
