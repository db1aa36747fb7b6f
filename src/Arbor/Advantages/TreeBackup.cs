using System.Runtime.Serialization;
using Arbor.Rollouts;

namespace Arbor.Advantages;

/// <summary>How an internal node's value is formed from its children's (ALGORITHMS.md §4).</summary>
public enum BackupWeights
{
    /// <summary>TreeGRPO's paper: w(e) = softmax over the node's child edges of log π_old(e).</summary>
    [EnumMember(Value = "softmax")] Softmax,
    /// <summary>TreeGRPO's public code (train.py): the plain mean of the children.</summary>
    [EnumMember(Value = "mean")] Mean,
}

/// <summary>What each tree edge's advantage is measured against (ALGORITHMS.md §7, the variance levers).</summary>
public enum EdgeBaseline
{
    /// <summary>TreeGRPO's definition: an edge gets its child's value, A(e) = V(child).</summary>
    [EnumMember(Value = "none")] None,
    /// <summary>
    /// A(e) = V(child) − V(parent): the edge is credited only with what it changed. V(parent) is a function of the parent's
    /// state and its siblings, so subtracting it removes the luck of the path so far (which the edge's log-probability
    /// did not cause) from the gradient's weight. The siblings' weighted advantages then sum to zero, and an edge with no
    /// sibling (an ODE step) gets 0.
    /// </summary>
    [EnumMember(Value = "parent")] Parent,
}

/// <summary>
/// TreeGRPO's tree backup (ALGORITHMS.md §4): a leaf edge gets its leaf's advantage; going up, the edge
/// into an internal node u gets Σ_{e∈S(u)} w(e)·A(e) with w = softmax over u's child edges of log π_old(e)
/// (or the plain mean); a node with one child (an ODE or a non-branching SDE step) copies its child's value.
/// No per-depth re-normalization.
/// </summary>
public static class TreeBackup
{
    /// <summary>Sets every edge's advantage from the leaves' (leaf order as <see cref="RolloutForest.Leaves"/>).</summary>
    public static void Assign(RolloutForest forest, IReadOnlyList<double> leafAdvantages,
        BackupWeights weights = BackupWeights.Softmax, EdgeBaseline baseline = EdgeBaseline.None)
    {
        var leaves = forest.Leaves;
        if (leafAdvantages.Count != leaves.Count)
            throw new ArgumentException($"{leafAdvantages.Count} advantages for {leaves.Count} leaves");
        var leafValue = new Dictionary<RolloutNode, double>();
        for (int i = 0; i < leaves.Count; i++) leafValue[leaves[i]] = leafAdvantages[i];
        var value = NodeValues(forest, leaf => leafValue[leaf], weights);
        foreach (var node in forest.Nodes)
        {
            if (node.Incoming is { } edge)
                edge.Advantage = baseline == EdgeBaseline.Parent ? value[node] - value[edge.From] : value[node];
        }
    }

    /// <summary>Every node's value: a leaf's from <paramref name="leafValue"/>,
    /// an internal node's <see cref="Backup"/> of its children's.</summary>
    public static Dictionary<RolloutNode, double> NodeValues(RolloutForest forest, Func<RolloutNode, double> leafValue,
        BackupWeights weights = BackupWeights.Softmax) =>
        forest.BottomUp<double>((node, value) => node.IsLeaf ? leafValue(node) : Backup(node, value, weights));

    /// <summary>The value of an internal node from its children's values.</summary>
    public static double Backup(RolloutNode node, IReadOnlyDictionary<RolloutNode, double> value,
        BackupWeights weights = BackupWeights.Softmax)
    {
        var edges = node.Children;
        if (edges.Count == 1) return value[edges[0].To];
        if (weights == BackupWeights.Mean) return edges.Average(e => value[e.To]);
        double max = edges.Max(e => e.LogProbOld);
        var w = edges.Select(e => Math.Exp(e.LogProbOld - max)).ToArray();
        double z = w.Sum();
        return edges.Select((e, i) => w[i] / z * value[e.To]).Sum();
    }
}
