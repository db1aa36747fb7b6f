using Arbor.Rollouts;

namespace Arbor.Advantages;

/// <summary>
/// TreeGRPO's tree backup (ALGORITHMS.md §4): a leaf edge gets its leaf's advantage; going up, the edge
/// into an internal node u gets Σ_{e∈S(u)} w(e)·A(e) with w = softmax over u's child edges of log π_old(e);
/// a node with one child (an ODE or a non-branching SDE step) copies its child's value. No per-depth
/// re-normalization.
/// </summary>
public static class TreeBackup
{
    /// <summary>Sets every edge's advantage from the leaves' (leaf order as <see cref="RolloutForest.Leaves"/>).</summary>
    public static void Assign(RolloutForest forest, IReadOnlyList<double> leafAdvantages)
    {
        var leaves = forest.Leaves;
        if (leafAdvantages.Count != leaves.Count)
            throw new ArgumentException($"{leafAdvantages.Count} advantages for {leaves.Count} leaves");
        var value = new Dictionary<RolloutNode, double>();
        for (int i = 0; i < leaves.Count; i++) value[leaves[i]] = leafAdvantages[i];
        // children are created after their parents, so reverse creation order visits children first
        foreach (var node in forest.Nodes.Reverse())
        {
            if (!node.IsLeaf) value[node] = Backup(node, value);
            if (node.Incoming is { } edge) edge.Advantage = value[node];
        }
    }

    /// <summary>The value of an internal node from its children's values.</summary>
    public static double Backup(RolloutNode node, IReadOnlyDictionary<RolloutNode, double> value)
    {
        var edges = node.Children;
        if (edges.Count == 1) return value[edges[0].To];
        double max = edges.Max(e => e.LogProbOld);
        var w = edges.Select(e => Math.Exp(e.LogProbOld - max)).ToArray();
        double z = w.Sum();
        return edges.Select((e, i) => w[i] / z * value[e.To]).Sum();
    }
}
