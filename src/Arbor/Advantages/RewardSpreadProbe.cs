using Arbor.Pipelines;
using Arbor.Rewards;
using Arbor.Rollouts;
using Arbor.Sampling.Steps;
using Arbor.Tensors;

namespace Arbor.Advantages;

/// <summary>One reward's spread under one SDE window (population components per prompt, averaged over prompts).</summary>
/// <param name="BetweenNoise">Variance of the reward's mean over initial noises x_T (unbiased).</param>
/// <param name="WithinNoise">Variance of the reward among continuations of one x_T (unbiased).</param>
/// <param name="SpreadGroupShare">Share of same-x_T groups whose rewards are not all equal (groups GRPO does not drop).</param>
public sealed record RewardSpread(int From, int To, string Reward, double BetweenNoise, double WithinNoise, double SpreadGroupShare)
{
    /// <summary>Share of the within-prompt variance that the window's SDE steps make.</summary>
    public double WithinShare => BetweenNoise + WithinNoise > 0 ? WithinNoise / (BetweenNoise + WithinNoise) : 0;
}

/// <summary>
/// Where a GRPO group's reward spread comes from. For every prompt, several initial noises x_T each continue
/// several times through an SDE that is stochastic only in a window of steps (ODE elsewhere). The
/// within-prompt reward variance then splits, as in a one-way ANOVA, into a part between initial noises
/// (x_T is not an action of the policy: to the policy gradient it is noise in the advantage) and a part
/// within one noise (made by the window's SDE steps, the only part the gradient can credit to an action).
/// </summary>
public static class RewardSpreadProbe
{
    /// <summary>SDE in steps [from, to), ODE elsewhere; all trees of a prompt share one root noise.</summary>
    private sealed class WindowStrategy(int steps, int continuations, int from, int to, IDenoisingStep sde) : IRolloutStrategy
    {
        public string Name => "reward_spread_probe";
        public int Steps => steps;
        public int TreesPerPrompt => continuations;
        public bool SharedRootNoise => true;
        public IDenoisingStep SdeStep => sde;
        public void BeginIteration(long iteration, Random random) { }
        public NodeExpansion Expand(RolloutNode node) =>
            node.Step >= from && node.Step < to ? NodeExpansion.Sde(trained: false) : NodeExpansion.Ode;
    }

    /// <summary>
    /// Rolls out <paramref name="noises"/> × <paramref name="continuations"/> images per prompt for every window
    /// [From, To) and decomposes every reward and reward component. Every window starts from the same initial
    /// noises (one seed), so windows differ only in where the SDE acts.
    /// </summary>
    public static List<RewardSpread> Run(TextToImagePipeline pipeline, IRewardFunction reward, IReadOnlyList<string> prompts,
        IReadOnlyList<(int From, int To)> windows, int noises, int continuations, int steps, IDenoisingStep sde,
            double guidance, ulong seed)
    {
        if (noises < 2 || continuations < 2)
            throw new ArgumentException("the reward-spread probe needs at least 2 noises and 2 continuations (sample variances)");
        foreach (var (from, to) in windows)
        {
            if (from < 0 || to <= from || to > steps)
                throw new ArgumentException($"SDE window {from}-{to} is not 0 <= from < to <= {steps}");
        }
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = guidance });
        // each prompt appears `noises` times in a row: the engine draws one shared root noise per entry
        var entries = prompts.SelectMany(p => Enumerable.Repeat(p, noises)).ToList();
        using var conditioning = new PromptConditioning(pipeline, entries, guidance);
        var results = new List<RewardSpread>();
        foreach (var (from, to) in windows)
        {
            using var generator = new Generator(seed);
            using var forest = engine.Run(entries, new WindowStrategy(steps, continuations, from, to, sde), conditioning, generator);
            var leaves = forest.Leaves;
            var scores = reward.ScoreAsync(new RewardBatch(forest.Images, leaves.Select(l => entries[l.Prompt]).ToList()))
                .GetAwaiter().GetResult();
            var series = new List<(string Name, double[] Values)> { (reward.Name, scores.Scores) };
            series.AddRange(scores.Components.Select(c => ($"{reward.Name}.{c.Key}", c.Value)));
            foreach (var (name, values) in series)
            {
                var cells = Enumerable.Range(0, prompts.Count)
                    .Select(_ => Enumerable.Range(0, noises).Select(_ => new List<double>()).ToArray()).ToArray();
                for (int i = 0; i < leaves.Count; i++) cells[leaves[i].Prompt / noises][leaves[i].Prompt % noises].Add(values[i]);
                var (between, within, spread) = Decompose(cells);
                results.Add(new RewardSpread(from, to, name, between, within, spread));
            }
        }
        return results;
    }

    /// <summary>
    /// cells[prompt][noise][continuation] → (σ²_between, σ²_within, share of cells with spread), each averaged over
    /// prompts. Unbiased: σ²_within is the mean sample variance of the cells, σ²_between the sample variance of
    /// the cell means less σ²_within / K (a cell mean of K values still carries σ²_within / K), floored at 0.
    /// </summary>
    public static (double Between, double Within, double SpreadShare) Decompose(IReadOnlyList<IReadOnlyList<IReadOnlyList<double>>> cells)
    {
        double between = 0, within = 0;
        int spread = 0, total = 0;
        foreach (var prompt in cells)
        {
            double w = prompt.Average(SampleVariance);
            within += w;
            between += Math.Max(0, SampleVariance(prompt.Select(c => c.Average()).ToList()) - w / prompt[0].Count);
            spread += prompt.Count(c => c.Max() - c.Min() > 1e-12);
            total += prompt.Count;
        }
        return (between / cells.Count, within / cells.Count, spread / (double)total);
    }

    private static double SampleVariance(IReadOnlyList<double> values)
    {
        double mean = values.Average();
        return values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
    }
}
