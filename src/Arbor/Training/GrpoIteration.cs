using System.Diagnostics;
using Arbor.Advantages;
using Arbor.Pipelines;
using Arbor.Rewards;
using Arbor.Rollouts;
using Arbor.Tensors;
using Arbor.Tensors.Optim;

namespace Arbor.Training;

/// <summary>
/// One iteration's measurements, with the same meaning for every strategy (ALGORITHMS.md §7). RewardSeconds is
/// the wait for rewards after the rollout ended (all of the scoring with one rollout wave, only the part that did not
/// overlap the sampling with several) and the advantages' computation, which in data-parallel runs includes the
/// rewards' all-gather and so the wait for the slowest rank's rollout.
/// </summary>
/// <param name="PromptRewardMeans">The mean total reward of each prompt's images, in prompt order (for per-family trends).</param>
public sealed record IterationReport(long Iteration, double RewardMean, double RewardStd,
    IReadOnlyDictionary<string, double> ComponentMeans,
    AdvantageResult Advantages, PolicyUpdateStats Update, RolloutStats Rollout, double RewardSeconds, double TrainSeconds,
    IReadOnlyList<double> PromptRewardMeans);

/// <summary>
/// One GRPO iteration, read top to bottom: roll out every prompt with the strategy, score the leaves,
/// turn rewards into group advantages, give each trained edge its advantage, update the policy.
/// </summary>
/// <remarks>
/// In data-parallel training (<c>parallel</c> over several ranks) each rank runs this on its share of the iteration's
/// prompts: the rewards are all-gathered before the advantages, the update sums its gradients across ranks, and the
/// report describes the whole iteration on every rank.
/// </remarks>
public sealed class GrpoIteration(TextToImagePipeline pipeline, IRolloutStrategy strategy, RolloutEngine engine,
    IReadOnlyList<(IRewardFunction Reward, double Weight)> rewards, AdvantageConfig advantageConfig,
        IPolicyUpdate trainer, Optimizer optimizer,
    Distributed.DataParallel? parallel = null)
{
    public GrpoIteration(TextToImagePipeline pipeline, IRolloutStrategy strategy, RolloutEngine engine, IRewardFunction reward,
        AdvantageConfig advantageConfig, IPolicyUpdate trainer, Optimizer optimizer)
        : this(pipeline, strategy, engine, [(reward, 1.0)], advantageConfig, trainer, optimizer) { }

    /// <summary>One iteration on <paramref name="prompts"/>, all of its rollout noise from one generator.</summary>
    public IterationReport Run(long iteration, IReadOnlyList<string> prompts, Generator generator, Random random) =>
        Run(iteration, prompts, [.. Enumerable.Repeat(generator, prompts.Count)], random, firstPrompt: 0);

    /// <summary>
    /// One iteration on <paramref name="prompts"/> (this rank's share, the iteration's prompts from <paramref name="firstPrompt"/>
    /// on), prompt p's rollout noise from <paramref name="noise"/>[p]; <paramref name="random"/> is the iteration's, the
    /// same on every rank (the strategy's choices, then the shuffle's seed).
    /// </summary>
    public IterationReport Run(long iteration, IReadOnlyList<string> prompts, IReadOnlyList<Generator> noise,
        Random random, int firstPrompt)
    {
        strategy.BeginIteration(iteration, random);
        ulong shuffleSeed = (ulong)random.NextInt64();
        using var conditioning = new PromptConditioning(pipeline, prompts, engine.Config.Guidance, engine.Config.GuidanceUntil);

        // ---- rollout, with every wave's rewards computed while the next wave samples ----
        var pending = new List<Task<RewardScores[]>>();
        RolloutForest forest;
        using (trainer.RolloutPolicy())
        {
            forest = engine.Run(prompts, strategy, conditioning, noise, wave =>
            {
                var batch = new RewardBatch(wave.Images, wave.Leaves.Select(l => prompts[l.Prompt]).ToList());
                pending.Add(Task.Run(() => Task.WhenAll(rewards.Select(r => r.Reward.ScoreAsync(batch)))));
            });
        }
        using var forestScope = forest;
        forest.FirstPrompt = firstPrompt;
        var leaves = forest.Leaves;

        // ---- reward: the wait after the rollout (all of the scoring when there is one wave) ----
        var clock = Stopwatch.StartNew();
        var waves = Task.WhenAll(pending).GetAwaiter().GetResult();
        var scores = Enumerable.Range(0, rewards.Count).Select(k => Concat(waves.Select(w => w[k]).ToList())).ToArray();

        // ---- rewards → advantages, per prompt group, then onto the edges as the strategy defines ----
        var scored = ScoringPath.Apply(forest, strategy, [.. rewards.Select(r => (r.Reward.Name, r.Weight))], scores,
            advantageConfig, shuffleSeed, parallel);
        var (components, advantages) = (scored.Components, scored.Advantages);

        // ---- policy update ----
        // the reward phase ends here: in data-parallel runs it includes the all-gather, which waits for the slowest rank's rollout
        double rewardSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var update = trainer.Update(iteration, forest, advantages, conditioning, optimizer, parallel);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        // the whole iteration's (every rank's leaves): prompt means in the iteration's prompt order
        var all = scored.AllTotals;
        var promptMeans = Enumerable.Range(0, all.Length == 0 ? 0 : scored.AllPrompts.Max() + 1)
            .Select(p => Enumerable.Range(0, all.Length).Where(i => scored.AllPrompts[i] == p).Select(i => all[i])
            .DefaultIfEmpty(double.NaN).Average()).ToList();
        var stats = parallel is { IsDistributed: true } dp ? Sum(forest.Stats, dp) : forest.Stats;
        return new IterationReport(iteration, all.Average(), GroupAdvantages.Std(all), components, advantages, update, stats,
            rewardSeconds, trainSeconds, promptMeans);
    }

    /// <summary>The iteration's rollout counts over every rank (seconds: the slowest rank's, which the others waited for).</summary>
    private static RolloutStats Sum(RolloutStats s, Distributed.DataParallel dp)
    {
        var t = dp.Sum(s.ModelForwards, s.NodeEvaluations, s.Leaves, s.TrainedEdges);
        double seconds = dp.Gather([s.Seconds]).Max();
        return new RolloutStats((long)t[0], (long)t[1], (int)t[2], (int)t[3], seconds);
    }

    /// <summary>One reward's scores of consecutive waves, as one result in leaf order.</summary>
    private static RewardScores Concat(IReadOnlyList<RewardScores> parts)
    {
        if (parts.Count == 1) return parts[0];
        var components = parts[0].Components.Keys.ToDictionary(name => name, name => parts.SelectMany(p => p.Components[name]).ToArray());
        return new RewardScores(parts.SelectMany(p => p.Scores).ToArray(), components);
    }
}
