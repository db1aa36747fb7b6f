using Arbor.Advantages;
using Arbor.Rollouts;
using CsCheck;

namespace Arbor.Tests.Properties;

/// <summary>
/// Properties of TreeGRPO's backup (<see cref="TreeBackup"/>, ALGORITHMS.md §4) over random forests: one to three
/// trees of 1 to 4 steps, each node branching into 1 to 3 children (1 is an ODE or non-branching step), random
/// log π_old on every edge and random leaf advantages, both backup weightings.
/// A failure prints the shrunk forest's recipe and its seed; rerun it with <c>seed:</c> or <c>CsCheck_Seed</c>.
/// </summary>
public class TreeBackupProperties
{
    /// <summary>The recipe of a forest: nodes consume <see cref="Branching"/>
    /// and <see cref="LogProbs"/> in creation order, cyclically.</summary>
    internal sealed record Recipe(int Steps, int Trees, int[] Branching, double[] LogProbs, double[] LeafValues, BackupWeights Weights)
    {
        public override string ToString() =>
            $"steps {Steps}, trees {Trees}, branching [{string.Join(", ", Branching)}], log π_old [{string.Join(", ", LogProbs)}], " +
            $"leaf values [{string.Join(", ", LeafValues)}], {Weights}";

        public (RolloutForest Forest, double[] Leaves) Build()
        {
            var forest = new RolloutForest(["p"], Steps);
            int b = 0, l = 0;
            for (int tree = 0; tree < Trees; tree++)
            {
                var frontier = new List<RolloutNode> { forest.Add(0, tree, 0, 0, null) };
                for (int step = 0; step < Steps; step++)
                {
                    var next = new List<RolloutNode>();
                    foreach (var node in frontier)
                    {
                        int children = Branching[b++ % Branching.Length];
                        for (int c = 0; c < children; c++)
                        {
                            var edge = new RolloutEdge(node, step, children > 1, children > 1, 1)
                            {
                                LogProbOld = LogProbs[l++ % LogProbs.Length]
                            };
                            next.Add(forest.Add(0, tree, step + 1, node.Depth + (children > 1 ? 1 : 0), edge));
                        }
                    }
                    frontier = next;
                }
            }
            var leaves = forest.Leaves;
            return (forest, Enumerable.Range(0, leaves.Count).Select(i => LeafValues[i % LeafValues.Length]).ToArray());
        }
    }

    internal static readonly Gen<Recipe> Recipes =
        Gen.Select(Gen.Int[1, 4], Gen.Int[1, 3], Gen.Frequency((3, Gen.Int[1, 1]), (2, Gen.Int[2, 3])).Array[1, 16],
            Gen.Double[-6, 6].Array[1, 32], Gen.Double[-5, 5].Array[1, 64], Gen.Enum<BackupWeights>(),
            (steps, trees, branching, logProbs, leafValues, weights) => new Recipe(steps, trees, branching, logProbs, leafValues, weights));

    private static IEnumerable<RolloutNode> LeavesUnder(RolloutNode node) =>
        node.IsLeaf ? [node] : node.Children.SelectMany(e => LeavesUnder(e.To));

    /// <summary>
    /// Without a baseline an edge's advantage is its child's value, and a node's value is a convex combination of its
    /// children's (softmax weights, or the mean), so it lies between the min and the max of the leaves below it; a leaf
    /// edge gets exactly its leaf's advantage. Softmax weights left unnormalized (Σ exp(log π) instead of 1), a sum in
    /// place of the mean, or a leaf order mixed up with <see cref="RolloutForest.Leaves"/> put values outside that range.
    /// </summary>
    [Fact]
    public void ANodesValueLiesBetweenItsLeavesMinAndMax() =>
        Recipes.Sample(r =>
        {
            var (forest, leafValues) = r.Build();
            var leafIndex = forest.Leaves.Select((n, i) => (n, i)).ToDictionary(p => p.n, p => p.i);
            TreeBackup.Assign(forest, leafValues, r.Weights, EdgeBaseline.None);
            foreach (var node in forest.Nodes.Where(n => n.Incoming is not null))
            {
                var below = LeavesUnder(node).Select(n => leafValues[leafIndex[n]]).ToArray();
                double value = node.Incoming!.Advantage, tolerance = 1e-12 * (1 + below.Max(Math.Abs));
                if (node.IsLeaf) Assert.Equal(below[0], value);
                Assert.True(value >= below.Min() - tolerance && value <= below.Max() + tolerance,
                    $"node {node.Id} (step {node.Step}): value {value} outside [{below.Min()}, {below.Max()}] of its " +
                        $"{below.Length} leaves");
            }
        }, iter: 300, print: r => r.ToString());

    /// <summary>
    /// With the parent baseline an edge gets V(child) − V(parent); since V(parent) is the weighted mean of its children's
    /// values, the weighted advantages of a node's child edges sum to 0 (softmax of log π_old, or plain 1/n for the mean)
    /// and the single edge below a non-branching node gets 0. Subtracting the grandparent's value, or weighting the
    /// baseline differently from the backup, leaves a non-zero sum.
    /// </summary>
    [Fact]
    public void WithTheParentBaselineSiblingsWeightedAdvantagesSumToZero() =>
        Recipes.Sample(r =>
        {
            var (forest, leafValues) = r.Build();
            TreeBackup.Assign(forest, leafValues, r.Weights, EdgeBaseline.Parent);
            foreach (var node in forest.Nodes.Where(n => !n.IsLeaf))
            {
                var edges = node.Children;
                double[] w;
                if (edges.Count == 1 || r.Weights == BackupWeights.Mean)
                {
                    w = edges.Select(_ => 1.0 / edges.Count).ToArray();
                }
                else
                {
                    double max = edges.Max(e => e.LogProbOld);
                    var exp = edges.Select(e => Math.Exp(e.LogProbOld - max)).ToArray();
                    w = exp.Select(x => x / exp.Sum()).ToArray();
                }
                double sum = edges.Select((e, i) => w[i] * e.Advantage).Sum();
                Assert.True(Math.Abs(sum) <= 1e-9, $"node {node.Id}: weighted child advantages sum to {sum}");
            }
        }, iter: 300, print: r => r.ToString());
}
