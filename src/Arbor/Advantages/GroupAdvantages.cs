namespace Arbor.Advantages;

/// <summary>Advantages of one batch; <c>Kept[i]</c> is false for samples of dropped (zero-variance) groups.</summary>
public sealed record AdvantageResult(double[] Values, bool[] Kept, int Groups, int ZeroVarianceGroups)
{
    public double ZeroVarianceShare => Groups == 0 ? 0 : (double)ZeroVarianceGroups / Groups;
}

/// <summary>
/// GRPO's group-relative advantages (ALGORITHMS.md §4): per prompt group, A_i = (R_i − mean_group) /
/// (std + ε), std over the whole batch or within the group; zero-variance groups dropped and counted;
/// clipped to ±A_max. With several rewards, aggregated on rewards or on advantages.
/// </summary>
public static class GroupAdvantages
{
    /// <summary>One reward per sample; <paramref name="groups"/> gives each sample's prompt group.</summary>
    public static AdvantageResult Compute(IReadOnlyList<double> rewards, IReadOnlyList<int> groups, AdvantageConfig config) =>
        Compute([rewards], [1.0], groups, config);

    /// <summary>Several rewards (<paramref name="rewards"/>[k][i]) with weights.</summary>
    public static AdvantageResult Compute(IReadOnlyList<IReadOnlyList<double>> rewards, IReadOnlyList<double> weights,
        IReadOnlyList<int> groups, AdvantageConfig config)
    {
        if (rewards.Count == 0 || rewards.Count != weights.Count) throw new ArgumentException("need one weight per reward");
        int n = groups.Count;
        foreach (var r in rewards)
            if (r.Count != n) throw new ArgumentException($"a reward has {r.Count} values for {n} samples");
        for (int i = 0; i < n; i++)
        {
            foreach (var r in rewards)
                if (!double.IsFinite(r[i])) throw new ArgumentException($"reward of sample {i} is {r[i]}: rewards must be finite");
        }

        var members = groups.Select((g, i) => (g, i)).GroupBy(p => p.g).ToDictionary(x => x.Key, x => x.Select(p => p.i).ToArray());
        double[] values;
        if (config.Aggregation == RewardAggregation.Reward || rewards.Count == 1)
        {
            var total = Enumerable.Range(0, n).Select(i => rewards.Select((r, k) => weights[k] * r[i]).Sum()).ToArray();
            values = Normalize(total, members, config);
        }
        else
        {
            values = new double[n];
            for (int k = 0; k < rewards.Count; k++)
            {
                var z = Normalize(rewards[k].ToArray(), members, config);
                for (int i = 0; i < n; i++) values[i] += weights[k] * z[i];
            }
        }

        var kept = Enumerable.Repeat(true, n).ToArray();
        int zeroVariance = 0;
        foreach (var idx in members.Values)
        {
            bool flat = idx.All(i => rewards.All(r => r[i] == r[idx[0]]));
            if (!flat) continue;
            zeroVariance++;
            if (!config.DropZeroVariance) continue;
            foreach (var i in idx) { kept[i] = false; values[i] = 0; }
        }
        for (int i = 0; i < n; i++) values[i] = Math.Clamp(values[i], -config.AdvantageClip, config.AdvantageClip);
        return KeepSolved(new AdvantageResult(values, kept, members.Count, zeroVariance), rewards, groups, config);
    }

    /// <summary>
    /// Gives every image of a solved group (<see cref="AdvantageConfig.SolvedGroupAdvantage"/>: every reward at its best
    /// value in the batch on every image of the group) that advantage and keeps it; unchanged when the setting is 0.
    /// </summary>
    public static AdvantageResult KeepSolved(AdvantageResult result, IReadOnlyList<IReadOnlyList<double>> rewards,
        IReadOnlyList<int> groups, AdvantageConfig config)
    {
        if (config.SolvedGroupAdvantage == 0) return result;
        var best = rewards.Select(r => r.Max()).ToArray();
        var solved = groups.Select((g, i) => (g, i)).GroupBy(p => p.g)
            .Where(members => members.All(p => Enumerable.Range(0, rewards.Count).All(k => rewards[k][p.i] == best[k])))
            .SelectMany(members => members.Select(p => p.i)).ToList();
        if (solved.Count == 0) return result;
        var values = (double[])result.Values.Clone();
        var kept = (bool[])result.Kept.Clone();
        double a = Math.Clamp(config.SolvedGroupAdvantage, -config.AdvantageClip, config.AdvantageClip);
        foreach (var i in solved) { values[i] = a; kept[i] = true; }
        return result with { Values = values, Kept = kept };
    }

    private static double[] Normalize(double[] r, Dictionary<int, int[]> members, AdvantageConfig config)
    {
        var result = new double[r.Length];
        double globalStd = Std(r);
        foreach (var idx in members.Values)
        {
            double mean = idx.Average(i => r[i]);
            double std = config.GlobalStd ? globalStd : Std(idx.Select(i => r[i]).ToArray());
            foreach (var i in idx) result[i] = (r[i] - mean) / (std + config.Epsilon);
        }
        return result;
    }

    /// <summary>Population standard deviation (numpy's default, as the peers' code).</summary>
    public static double Std(IReadOnlyList<double> x)
    {
        if (x.Count == 0) return 0;
        double mean = x.Average();
        return Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / x.Count);
    }
}
