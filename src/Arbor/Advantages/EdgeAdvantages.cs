using Arbor.Rollouts;

namespace Arbor.Advantages;

/// <summary>Assigns every trained edge its advantage from the leaves' rewards.</summary>
public static class EdgeAdvantages
{
    /// <summary>
    /// <paramref name="rewards"/>[k][i] is reward k of leaf i (leaves in <see cref="RolloutForest.Leaves"/> order), of this
    /// forest's leaves, or with <paramref name="iteration"/> of the whole iteration's (every rank's: group and batch
    /// statistics are computed over all of them, and the forest takes its slice). Returns the leaf-level group statistics
    /// of this forest's leaves (with the iteration's group counts, for logging).
    /// </summary>
    public static AdvantageResult Assign(RolloutForest forest, EdgeAdvantageMode mode, IReadOnlyList<IReadOnlyList<double>> rewards,
        IReadOnlyList<double> weights, AdvantageConfig config, double fusionTemperature = 1.0, IterationLeaves? iteration = null)
    {
        var leaves = forest.Leaves;
        var groups = iteration?.Prompts ?? leaves.Select(l => l.Prompt).ToList();
        int offset = iteration?.Offset ?? 0;
        if (groups.Count != rewards[0].Count) throw new ArgumentException($"{rewards[0].Count} rewards for {groups.Count} leaves");
        AdvantageResult Local(AdvantageResult all) => offset == 0 && all.Values.Length == leaves.Count ? all
            : new AdvantageResult(all.Values[offset..(offset + leaves.Count)], all.Kept[offset..(offset + leaves.Count)], all.Groups,
                all.ZeroVarianceGroups);
        switch (mode)
        {
            case EdgeAdvantageMode.Path:
            {
                var a = Local(GroupAdvantages.Compute(rewards, weights, groups, config));
                AssignAlongPaths(leaves, a);
                return a;
            }
            case EdgeAdvantageMode.TreeBackup:
            {
                // leaf score r = Σ_k w_k·(R_k − μ_k)/σ_k, then the leaf advantage (r − μ)/σ over the prompt's leaves
                var score = GroupAdvantages.Compute(rewards, weights, groups,
                    config with
                    {
                        Aggregation = RewardAggregation.Advantage,
                        GlobalStd = false,
                        AdvantageClip = double.MaxValue,
                        DropZeroVariance = false,
                        SolvedGroupAdvantage = 0
                    });
                // solved groups are judged on the raw rewards, not on their (all zero) scores
                var a = Local(GroupAdvantages.KeepSolved(
                    GroupAdvantages.Compute(score.Values, groups, config with { GlobalStd = false, SolvedGroupAdvantage = 0 }),
                    rewards, groups, config));
                TreeBackup.Assign(forest, a.Values.Select((v, i) => a.Kept[i] ? v : 0).ToList(), config.Backup, config.EdgeBaseline);
                return a;
            }
            case EdgeAdvantageMode.Leaves:
                return Local(GroupAdvantages.Compute(rewards, weights, groups, config));
            case EdgeAdvantageMode.DepthNormalized:
            {
                var a = Local(GroupAdvantages.Compute(rewards, weights, groups, config));
                DepthNormalization.Assign(forest, fusionTemperature);
                foreach (var e in forest.Edges) e.Advantage = Math.Clamp(e.Advantage, -config.AdvantageClip, config.AdvantageClip);
                return a;
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, null);
        }
    }

    /// <summary>
    /// Flat strategies (one leaf per root): every edge on a leaf's path gets the leaf's advantage; leaves of
    /// dropped zero-variance groups give 0 (no gradient).
    /// </summary>
    public static void AssignAlongPaths(IReadOnlyList<RolloutNode> leaves, AdvantageResult advantages)
    {
        for (int i = 0; i < leaves.Count; i++)
        {
            double a = advantages.Kept[i] ? advantages.Values[i] : 0;
            for (var edge = leaves[i].Incoming; edge is not null; edge = edge.From.Incoming)
            {
                if (edge.From.Children.Count > 1)
                    throw new InvalidOperationException("path advantages are for flat trajectories; a branching node needs tree backup");
                edge.Advantage = a;
            }
        }
    }
}
