using Arbor.Advantages;
using Arbor.Rollouts;

namespace Arbor.Strategies.DynamicTree;

/// <summary>
/// LayerTuning-RL's progress weights (Arbor's definition, ALGORITHMS.md §5.6): per tree, the best leaf ℓ*
/// (highest reward); every window node n (a source of trained edges) gets
/// w_n = (V(ℓ*) − V(n)) / (V(ℓ*) − min_m V(m) + 1e-6) ∈ [0, 1] with V the backed-up node value, and
/// w_n = 0 on the best path itself (those nodes already lead there). The SFT target of n is the velocity
/// carrying x_n straight to the best leaf's sample, u_n = (x_n − x0*)/t_n.
/// </summary>
public static class LayerTuning
{
    public sealed record Target(RolloutNode Node, RolloutNode BestLeaf, double Weight);

    /// <summary>Targets of every window node, from leaf values (rewards) backed up as in <see cref="TreeBackup"/>.</summary>
    public static List<Target> Targets(RolloutForest forest)
    {
        var values = new Dictionary<RolloutNode, double>();
        foreach (var node in forest.Nodes.Reverse())
            values[node] = node.IsLeaf
                ? node.Reward ?? throw new InvalidOperationException($"leaf {node.Id} has no reward")
                : TreeBackup.Backup(node, values);

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
}
