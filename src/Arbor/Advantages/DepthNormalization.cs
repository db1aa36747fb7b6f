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
        var below = forest.BottomUp<List<(double LogP, double Reward)>>((node, done) =>
        {
            if (node.IsLeaf) return [(0.0, node.Reward!.Value)];
            var paths = new List<(double LogP, double Reward)>();
            foreach (var edge in node.Children)
            {
                double step = edge.Stochastic ? edge.LogProbOld : 0;
                paths.AddRange(done[edge.To].Select(p => (p.LogP + step, p.Reward)));
            }
            return paths;
        });
        return below.ToDictionary(kv => kv.Key, kv => Fused(kv.Value, fusionTemperature));
    }

    /// <summary>Σ_ℓ softmax_ℓ(β_f·log p(n→ℓ))·R_ℓ over the paths below a node.</summary>
    private static double Fused(List<(double LogP, double Reward)> paths, double fusionTemperature)
    {
        double max = paths.Max(p => fusionTemperature * p.LogP);
        var w = paths.Select(p => Math.Exp(fusionTemperature * p.LogP - max)).ToArray();
        return paths.Select((p, i) => w[i] * p.Reward).Sum() / w.Sum();
    }
}
