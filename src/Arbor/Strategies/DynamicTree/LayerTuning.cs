using Arbor.Advantages;
using Arbor.Rollouts;

namespace Arbor.Strategies.DynamicTree;

/// <summary>
/// LayerTuning-RL's progress weights (Arbor's definition, ALGORITHMS.md §5.6): per tree, the best leaf ℓ*
/// (highest reward); every window node n (a source of trained edges) gets
/// w_n = (V(ℓ*) − V(n)) / (V(ℓ*) − min_m V(m) + 1e-6) ∈ [0, 1] with V the backed-up node value, and
/// w_n = 0 on the best path itself (those nodes already lead there). The SFT target of n is the prediction
/// carrying x_n straight to the best leaf's sample (a flow model's velocity u_n = (x_n − x0*)/t_n).
/// </summary>
public static class LayerTuning
{
    public sealed record Target(RolloutNode Node, RolloutNode BestLeaf, double Weight);

    /// <summary>V: the leaves' rewards backed up as in <see cref="TreeBackup"/> (softmax weights).</summary>
    private static Dictionary<RolloutNode, double> RewardValues(RolloutForest forest) =>
        TreeBackup.NodeValues(forest, leaf => leaf.Reward ?? throw new InvalidOperationException($"leaf {leaf.Id} has no reward"));

    /// <summary>Targets of every window node, from leaf values (rewards) backed up as in <see cref="TreeBackup"/>.</summary>
    public static List<Target> Targets(RolloutForest forest)
    {
        var values = RewardValues(forest);

        var targets = new List<Target>();
        foreach (var tree in forest.Nodes.GroupBy(n => (n.Prompt, n.Tree)))
        {
            var best = tree.Where(n => n.IsLeaf).MaxBy(n => values[n])!;
            var onBestPath = new HashSet<RolloutNode>();
            for (var n = best; n is not null; n = n.Parent) onBestPath.Add(n);
            var window = tree.Where(n => n.Children.Any(e => e.Trained)).ToList();
            if (window.Count == 0) continue;
            double vBest = values[best];
            double vMin = window.Select(n => values[n]).Concat(tree.Where(n => n.IsLeaf).Select(n => values[n])).Min();
            foreach (var n in window)
            {
                double w = onBestPath.Contains(n) ? 0 : Math.Clamp((vBest - values[n]) / (vBest - vMin + 1e-6), 0, 1);
                targets.Add(new Target(n, best, w));
            }
        }
        return targets;
    }

    /// <summary>
    /// LayerTuning-RL v2 (c), path SFT (ALGORITHMS.md §5.6): the trained edges on the path from the root to each tree's
    /// best leaf, each with its progress w_e = max(0, V(child) − V(parent)) / (σ + 1e-4), V the reward backed up as in
    /// <see cref="TreeBackup"/> and σ the standard deviation of the tree's leaf rewards (so w is in the units of a group
    /// advantage). Maximizing w_e·log π_θ(e) under the edge's clip is the policy loss with w_e added to the edge's
    /// advantage: the best path is imitated where it made progress, inside the same trust region.
    /// </summary>
    public static List<(RolloutEdge Edge, double Progress)> BestPathProgress(RolloutForest forest)
    {
        var values = RewardValues(forest);
        var result = new List<(RolloutEdge, double)>();
        foreach (var tree in forest.Nodes.GroupBy(n => (n.Prompt, n.Tree)))
        {
            var leaves = tree.Where(n => n.IsLeaf).ToList();
            double mean = leaves.Average(l => values[l]);
            double sd = Math.Sqrt(leaves.Average(l => (values[l] - mean) * (values[l] - mean)));
            if (sd <= 0) continue;   // no spread: no best path to speak of
            for (var edge = leaves.MaxBy(l => values[l])!.Incoming; edge is not null; edge = edge.From.Incoming)
            {
                double progress = values[edge.To] - values[edge.From];
                if (edge.Trained && progress > 0) result.Add((edge, progress / (sd + 1e-4)));
            }
        }
        return result;
    }
}
