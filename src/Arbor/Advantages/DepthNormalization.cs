using Arbor.Rollouts;

namespace Arbor.Advantages;

/// <summary>
/// BranchGRPO's advantages (ALGORITHMS.md §4). Path-weighted reward fusion gives every node a value
/// r̄(n) = Σ_{ℓ∈leaves(n)} softmax_ℓ(β_f·log p(n→ℓ))·R_ℓ, where log p(n→ℓ) sums log π_old over the
/// path's stochastic edges (β_f = 0 is the plain mean). Depth normalization then standardizes the values
/// of all nodes at the same depth (denoising step) of a prompt's tree: A(n) = (r̄(n) − μ_d)/(σ_d + 1e-8);
/// an edge gets its child's A.
/// </summary>
public static class DepthNormalization
{
    public static void Assign(RolloutForest forest, double fusionTemperature = 1.0)
    {
        var leaves = forest.Leaves;
        foreach (var leaf in leaves)
            if (leaf.Reward is null) throw new InvalidOperationException($"leaf {leaf.Id} has no reward");
        var values = NodeValues(forest, fusionTemperature);
        foreach (var group in forest.Nodes.Where(n => n.Incoming is not null).GroupBy(n => (n.Prompt, n.Step)))
        {
            var v = group.Select(n => values[n]).ToArray();
            double mean = v.Average();
            double std = Math.Sqrt(v.Sum(x => (x - mean) * (x - mean)) / v.Length);
            foreach (var n in group) n.Incoming!.Advantage = (values[n] - mean) / (std + 1e-8);
        }
    }

    /// <summary>r̄(n) for every node: the fused reward of the leaves below it.</summary>
    public static Dictionary<RolloutNode, double> NodeValues(RolloutForest forest, double fusionTemperature)
    {
        // (log p(n→ℓ), R_ℓ) for every leaf below n, built bottom-up
        var below = new Dictionary<RolloutNode, List<(double LogP, double Reward)>>();
        var values = new Dictionary<RolloutNode, double>();
        foreach (var node in forest.Nodes.Reverse())
        {
            List<(double, double)> paths;
            if (node.IsLeaf) paths = [(0.0, node.Reward!.Value)];
            else
            {
                paths = new();
                foreach (var edge in node.Children)
                {
                    double step = edge.Stochastic ? edge.LogProbOld : 0;
                    paths.AddRange(below[edge.To].Select(p => (p.LogP + step, p.Reward)));
                }
            }
            below[node] = paths;
            double max = paths.Max(p => fusionTemperature * p.Item1);
            var w = paths.Select(p => Math.Exp(fusionTemperature * p.Item1 - max)).ToArray();
            values[node] = paths.Select((p, i) => w[i] * p.Item2).Sum() / w.Sum();
        }
        return values;
    }
}
