namespace Arbor.Training;

/// <summary>
/// One iteration's gradient split into its expected direction and three sources of noise (traces of covariance, in the
/// gradient's squared units), from a balanced nested design: S prompt sets × R rollouts of each × K re-noisings of each
/// rollout's images.
/// </summary>
/// <param name="SignalSquared">‖E g‖², unbiased (‖ḡ‖² less the variance of ḡ): can read below 0 when no signal is
/// detectable.</param>
/// <param name="PromptSets">Variance from which prompts an iteration draws.</param>
/// <param name="Rollouts">Variance from which images the rollout makes of the same prompts.</param>
/// <param name="Renoisings">Variance from the loss's draws on the same images (times and noise).</param>
/// <param name="SignalStandardError">The jackknife standard error of <paramref name="SignalSquared"/> over prompt sets (NaN
/// with fewer than 3): a signal within about two of it is not told apart from none.</param>
public sealed record GradientNoiseComponents(double SignalSquared, double PromptSets, double Rollouts, double Renoisings,
    double SignalStandardError = double.NaN)
{
    /// <summary>The variance of one iteration's gradient: one prompt set, one rollout, one draw of its noisings.</summary>
    public double IterationVariance => PromptSets + Rollouts + Renoisings;

    /// <summary>‖E g‖² over one iteration's variance: above 1, one iteration's gradient points mostly where its mean does.</summary>
    public double SignalToNoise => IterationVariance > 0 ? SignalSquared / IterationVariance : double.NaN;

    /// <summary>Iterations whose gradients, averaged, reach a signal-to-noise ratio of 1 (infinite without a signal).</summary>
    public double IterationsToSignal => SignalSquared > 0 ? IterationVariance / SignalSquared : double.PositiveInfinity;
}

/// <summary>
/// The nested analysis of variance behind <see cref="GradientNoiseComponents"/>, over gradient vectors g[s][r][k]
/// (prompt set s, rollout r, re-noising k), coordinate by coordinate and summed (the trace). With means ḡ_sr over k,
/// ḡ_s over r and ḡ over s:
/// <code>
///   W = mean_sr  Σ_k ‖g_srk − ḡ_sr‖² / (K − 1)       E W = σ²_K
///   B = mean_s   Σ_r ‖ḡ_sr − ḡ_s‖² / (R − 1)         E B = σ²_R + σ²_K / K
///   P =          Σ_s ‖ḡ_s − ḡ‖² / (S − 1)            E P = σ²_S + (σ²_R + σ²_K / K) / R
///   ‖μ‖² = ‖ḡ‖² − P / S                              (E ‖ḡ‖² = ‖μ‖² + E P / S)
/// </code>
/// σ²_R = B − W / K and σ²_S = P − B / R are floored at 0 (a variance); the signal is not, so its estimate stays unbiased.
/// The signal's estimate equals the mean of ḡ_s · ḡ_s' over pairs of different sets (independent iterations' gradients
/// agree by exactly this much on average), a U-statistic whose leave-one-set-out jackknife gives its standard error.
/// </summary>
public static class GradientNoise
{
    public static GradientNoiseComponents Decompose(IReadOnlyList<IReadOnlyList<IReadOnlyList<float[]>>> g)
    {
        int sets = g.Count, rollouts = sets > 0 ? g[0].Count : 0, noisings = rollouts > 0 ? g[0][0].Count : 0;
        if (sets < 2 || rollouts < 2 || noisings < 2)
        {
            throw new ArgumentException($"the gradient-noise decomposition needs at least 2 prompt sets, 2 rollouts and 2 " +
                $"re-noisings (sample variances at every level); got {sets}, {rollouts}, {noisings}");
        }
        int dim = g[0][0][0].Length;
        foreach (var set in g)
        {
            if (set.Count != rollouts || set.Any(r => r.Count != noisings || r.Any(v => v.Length != dim)))
                throw new ArgumentException("the gradient-noise decomposition needs a balanced design: every cell the same size");
        }

        double within = 0, between = 0, promptSets = 0;
        var grand = new double[dim];
        var setMeans = new double[sets][];
        for (int s = 0; s < sets; s++)
        {
            var rolloutMeans = new double[rollouts][];
            for (int r = 0; r < rollouts; r++)
            {
                var draws = g[s][r].Select(v => Array.ConvertAll(v, x => (double)x)).ToList();
                rolloutMeans[r] = Mean(draws);
                within += draws.Sum(v => SquaredDistance(v, rolloutMeans[r])) / (noisings - 1);
            }
            setMeans[s] = Mean(rolloutMeans);
            between += rolloutMeans.Sum(m => SquaredDistance(m, setMeans[s])) / (rollouts - 1);
            for (int j = 0; j < dim; j++) grand[j] += setMeans[s][j] / sets;
        }
        within /= sets * rollouts;
        between /= sets;
        promptSets = setMeans.Sum(m => SquaredDistance(m, grand)) / (sets - 1);
        double signal = grand.Sum(x => x * x) - promptSets / sets;
        return new GradientNoiseComponents(signal, Math.Max(0, promptSets - between / rollouts),
            Math.Max(0, between - within / noisings), within, JackknifeError(setMeans));
    }

    /// <summary>
    /// The jackknife standard error of the mean cross-set dot product: sqrt((S − 1)/S · Σ_i (T₋ᵢ − T̄)²), T₋ᵢ the mean over
    /// the pairs without set i; NaN below 3 sets (leaving one out must leave a pair).
    /// </summary>
    private static double JackknifeError(double[][] setMeans)
    {
        int sets = setMeans.Length;
        if (sets < 3) return double.NaN;
        var dot = new double[sets, sets];
        for (int a = 0; a < sets; a++)
        {
            for (int b = a + 1; b < sets; b++) dot[a, b] = setMeans[a].Zip(setMeans[b], (x, y) => x * y).Sum();
        }
        var leaveOut = Enumerable.Range(0, sets).Select(i =>
        {
            double sum = 0;
            int pairs = 0;
            for (int a = 0; a < sets; a++)
            {
                for (int b = a + 1; b < sets; b++)
                {
                    if (a == i || b == i) continue;
                    sum += dot[a, b];
                    pairs++;
                }
            }
            return sum / pairs;
        }).ToList();
        double mean = leaveOut.Average();
        return Math.Sqrt((sets - 1.0) / sets * leaveOut.Sum(t => (t - mean) * (t - mean)));
    }

    /// <summary>
    /// What Adam divides each coordinate by, inverted: 1 / root of the coordinate's mean square over
    /// <paramref name="vectors"/> (its second-moment estimate, pooled over the design), 0 where every vector is 0.
    /// Scaled by it (<see cref="Scaled"/>), a coordinate counts by its signal-to-noise ratio, not by its size.
    /// </summary>
    public static double[] AdamScale(IReadOnlyList<float[]> vectors)
    {
        var scale = new double[vectors[0].Length];
        foreach (var v in vectors)
        {
            for (int j = 0; j < scale.Length; j++) scale[j] += (double)v[j] * v[j];
        }
        for (int j = 0; j < scale.Length; j++) scale[j] = scale[j] > 0 ? 1 / Math.Sqrt(scale[j] / vectors.Count) : 0;
        return scale;
    }

    /// <summary>Every vector of the design multiplied coordinate by coordinate by <paramref name="scale"/>.</summary>
    public static List<List<List<float[]>>> Scaled(IReadOnlyList<IReadOnlyList<IReadOnlyList<float[]>>> g, double[] scale) =>
        [.. g.Select(s => s.Select(r => r.Select(v =>
        {
            var scaled = new float[v.Length];
            for (int j = 0; j < v.Length; j++) scaled[j] = (float)(v[j] * scale[j]);
            return scaled;
        }).ToList()).ToList())];

    private static double[] Mean(IReadOnlyList<double[]> vectors)
    {
        var mean = new double[vectors[0].Length];
        foreach (var v in vectors)
        {
            for (int j = 0; j < mean.Length; j++) mean[j] += v[j];
        }
        for (int j = 0; j < mean.Length; j++) mean[j] /= vectors.Count;
        return mean;
    }

    private static double SquaredDistance(double[] v, double[] mean)
    {
        double sum = 0;
        for (int j = 0; j < v.Length; j++) sum += (v[j] - mean[j]) * (v[j] - mean[j]);
        return sum;
    }
}
