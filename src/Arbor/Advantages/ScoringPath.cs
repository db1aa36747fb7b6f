using Arbor.Rewards;
using Arbor.Rollouts;

namespace Arbor.Advantages;

/// <summary>A scored rollout: each reward's scores in leaf order, the weighted total per leaf, component means, and the advantages.</summary>
public sealed record ScoredRollout(RewardScores[] Scores, double[] Total, IReadOnlyDictionary<string, double> Components, AdvantageResult Advantages);

/// <summary>
/// Rewards → advantages → per-edge targets, the one path every caller takes (a training iteration and `arbor tree`
/// alike, so the tree picture shows the advantages training uses): the null control's shuffle (when configured),
/// the weighted total on every leaf, then the strategy's advantage mode onto the edges.
/// </summary>
public static class ScoringPath
{
    public static ScoredRollout Apply(RolloutForest forest, IRolloutStrategy strategy, IReadOnlyList<(string Name, double Weight)> rewards,
        RewardScores[] scores, AdvantageConfig config, Random random)
    {
        var leaves = forest.Leaves;
        if (config.ShuffleRewards)
        {
            var source = RewardShuffle.WithinGroups(leaves.Select(l => l.Prompt).ToList(), random);
            scores = scores.Select(s => RewardShuffle.Apply(s, source)).ToArray();
        }
        var weights = rewards.Select(r => r.Weight).ToList();
        var total = Enumerable.Range(0, leaves.Count).Select(i => scores.Select((s, k) => weights[k] * s.Scores[i]).Sum()).ToArray();
        for (int i = 0; i < leaves.Count; i++) leaves[i].Reward = total[i];
        var components = new Dictionary<string, double>();
        for (int k = 0; k < scores.Length; k++)
        {
            components[rewards[k].Name] = scores[k].Scores.Average();
            foreach (var (name, values) in scores[k].Components) components[$"{rewards[k].Name}.{name}"] = values.Average();
        }
        var advantages = EdgeAdvantages.Assign(forest, strategy.AdvantageMode, scores.Select(s => (IReadOnlyList<double>)s.Scores).ToList(),
            weights, config, strategy.FusionTemperature);
        return new ScoredRollout(scores, total, components, advantages);
    }
}
