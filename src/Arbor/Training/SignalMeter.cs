namespace Arbor.Training;

/// <summary>
/// Is this update pointing uphill (ALGORITHMS.md §7, issue #14)? The correlation, over samples no optimizer step of
/// this iteration was computed on, between each sample's advantage and how much more the trained policy favours it
/// than the policy that drew it. A null control (rewards shuffled within groups) reads about 0; a run that learns,
/// clearly positive.
/// <list type="bullet">
/// <item>Policy gradient (<see cref="PolicyTrainer"/>): the second minibatch's edges after the first minibatch's
/// step, Δ = log π_θ(edge) − log π_old(edge).</item>
/// <item>Forward process (<see cref="ForwardProcessTrainer"/>): the second part's samples after the first part's
/// step, Δ = ‖v_old − u‖² − ‖v_θ − u‖² at the sample's noising (u = ε − x0, its flow-matching target): how much
/// closer θ fits them than the old policy that sampled them.</item>
/// </list>
/// Both need <c>loss.updates_per_iteration</c> ≥ 2 and read NaN with one update per iteration: every sample is then
/// in the only step, and none is left to measure on.
/// </summary>
public static class SignalMeter
{
    /// <summary>Pearson correlation of the pairs; NaN for fewer than 3 or when either side has no spread.</summary>
    public static double Correlation(IReadOnlyList<(double X, double Y)> pairs)
    {
        if (pairs.Count < 3) return double.NaN;
        double mx = pairs.Average(p => p.X), my = pairs.Average(p => p.Y);
        double sxy = 0, sxx = 0, syy = 0;
        foreach (var (x, y) in pairs)
        {
            sxy += (x - mx) * (y - my);
            sxx += (x - mx) * (x - mx);
            syy += (y - my) * (y - my);
        }
        return sxx > 0 && syy > 0 ? sxy / Math.Sqrt(sxx * syy) : double.NaN;
    }
}
