using Arbor.Distributed;
using Arbor.Rewards;
using Arbor.Rollouts;

namespace Arbor.Advantages;

/// <summary>
/// A scored rollout: each reward's scores in leaf order, the weighted total per leaf, and the advantages, for this
/// forest's leaves; and for the whole iteration (every rank's leaves, in rank order: the same as Total in one process)
/// the totals, their prompts and the component means that the metrics report.
/// </summary>
public sealed record ScoredRollout(RewardScores[] Scores, double[] Total, IReadOnlyDictionary<string, double> Components,
    AdvantageResult Advantages,
    double[] AllTotals, int[] AllPrompts);

/// <summary>
/// Rewards → advantages → per-edge targets, the one path every caller takes (a training iteration and `arbor tree`
/// alike, so the tree picture shows the advantages training uses): the null control's shuffle (when configured),
/// the weighted total on every leaf, then the strategy's advantage mode onto the edges. In data-parallel training the
/// leaves' rewards are all-gathered first, so group and batch statistics are those of the whole iteration.
/// </summary>
public static class ScoringPath
{
    /// <param name="shuffleSeed">Seeds each prompt's shuffle (with its global index) for the null control.</param>
    /// <param name="parallel">The ranks whose leaves make up the iteration (null: this forest is all of it).</param>
    public static ScoredRollout Apply(RolloutForest forest, IRolloutStrategy strategy, IReadOnlyList<(string Name, double Weight)> rewards,
        RewardScores[] scores, AdvantageConfig config, ulong shuffleSeed, DataParallel? parallel = null)
    {
        var leaves = forest.Leaves;
        if (config.ShuffleRewards)
        {
            var source = RewardShuffle.WithinGroups(leaves.Select(l => l.Prompt).ToList(),
                p => new Random((int)(SeedHash.Of(shuffleSeed, (ulong)forest.GlobalPrompt(p)) & 0x7fffffff)));
            scores = scores.Select(s => RewardShuffle.Apply(s, source)).ToArray();
        }
        var weights = rewards.Select(r => r.Weight).ToList();
        var total = Enumerable.Range(0, leaves.Count).Select(i => scores.Select((s, k) => weights[k] * s.Scores[i]).Sum()).ToArray();
        for (int i = 0; i < leaves.Count; i++) leaves[i].Reward = total[i];

        // the iteration's leaves: this forest's, or every rank's in rank order
        var dp = parallel ?? DataParallel.Single();
        var localPrompts = leaves.Select(l => (double)forest.GlobalPrompt(l.Prompt)).ToList();
        var allPrompts = dp.Gather(localPrompts).Select(p => (int)p).ToArray();
        var allScores = scores.Select(s => dp.Gather(s.Scores)).ToArray();
        int offset = dp.IsDistributed ? dp.Gather([leaves.Count]).Take(dp.Rank).Sum(n => (int)n) : 0;
        var components = new Dictionary<string, double>();
        for (int k = 0; k < scores.Length; k++)
        {
            components[rewards[k].Name] = allScores[k].Average();
            foreach (var (name, values) in scores[k].Components) components[$"{rewards[k].Name}.{name}"] = dp.Gather(values).Average();
        }
        var allTotals = dp.IsDistributed ? dp.Gather(total) : total;
        var advantages = EdgeAdvantages.Assign(forest, strategy.AdvantageMode, allScores, weights, config, strategy.FusionTemperature,
            new IterationLeaves(allPrompts, offset));
        return new ScoredRollout(scores, total, components, advantages, allTotals, allPrompts);
    }
}

/// <summary>
/// Where a forest's leaves sit among the iteration's (every rank's, in rank order): each leaf's prompt, and the index of
/// this forest's first leaf. Group statistics are computed over all of them and the forest takes its slice.
/// </summary>
public sealed record IterationLeaves(IReadOnlyList<int> Prompts, int Offset);
