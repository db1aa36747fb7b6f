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
/// the wait for rewards after the rollout ended: all of the scoring with one rollout wave, only the part
/// that did not overlap the sampling with several.
/// </summary>
/// <param name="PromptRewardMeans">The mean total reward of each prompt's images, in prompt order (for per-family trends).</param>
public sealed record IterationReport(long Iteration, double RewardMean, double RewardStd, IReadOnlyDictionary<string, double> ComponentMeans,
    AdvantageResult Advantages, PolicyUpdateStats Update, RolloutStats Rollout, double RewardSeconds, double TrainSeconds,
    IReadOnlyList<double> PromptRewardMeans);

/// <summary>
/// One GRPO iteration, read top to bottom: roll out every prompt with the strategy, score the leaves,
/// turn rewards into group advantages, give each trained edge its advantage, update the policy.
/// </summary>
public sealed class GrpoIteration(TextToImagePipeline pipeline, IRolloutStrategy strategy, RolloutEngine engine,
    IReadOnlyList<(IRewardFunction Reward, double Weight)> rewards, AdvantageConfig advantageConfig, IPolicyUpdate trainer, Optimizer optimizer)
{
    public GrpoIteration(TextToImagePipeline pipeline, IRolloutStrategy strategy, RolloutEngine engine, IRewardFunction reward,
        AdvantageConfig advantageConfig, IPolicyUpdate trainer, Optimizer optimizer)
        : this(pipeline, strategy, engine, [(reward, 1.0)], advantageConfig, trainer, optimizer) { }

    public IterationReport Run(long iteration, IReadOnlyList<string> prompts, Generator generator, Random random)
    {
        strategy.BeginIteration(iteration, random);
        using var conditioning = new PromptConditioning(pipeline, prompts, engine.Config.Guidance);

        // ---- rollout, with every wave's rewards computed while the next wave samples ----
        var pending = new List<Task<RewardScores[]>>();
        RolloutForest forest;
        using (trainer.RolloutPolicy())
            forest = engine.Run(prompts, strategy, conditioning, generator, wave =>
            {
                var batch = new RewardBatch(wave.Images, wave.Leaves.Select(l => prompts[l.Prompt]).ToList());
                pending.Add(Task.Run(() => Task.WhenAll(rewards.Select(r => r.Reward.ScoreAsync(batch)))));
            });
        using var forestScope = forest;
        var leaves = forest.Leaves;

        // ---- reward: the wait after the rollout (all of the scoring when there is one wave) ----
        var clock = Stopwatch.StartNew();
        var waves = Task.WhenAll(pending).GetAwaiter().GetResult();
        var scores = Enumerable.Range(0, rewards.Count).Select(k => Concat(waves.Select(w => w[k]).ToList())).ToArray();
        double rewardSeconds = clock.Elapsed.TotalSeconds;

        // ---- rewards → advantages, per prompt group, then onto the edges as the strategy defines ----
        var scored = ScoringPath.Apply(forest, strategy, [.. rewards.Select(r => (r.Reward.Name, r.Weight))], scores, advantageConfig, random);
        var (total, components, advantages) = (scored.Total, scored.Components, scored.Advantages);

        // ---- policy update ----
        clock.Restart();
        var update = trainer.Update(iteration, forest, advantages, conditioning, optimizer);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        var promptMeans = Enumerable.Range(0, prompts.Count)
            .Select(p => leaves.Select((l, i) => (l.Prompt, i)).Where(x => x.Prompt == p).Select(x => total[x.i]).DefaultIfEmpty(double.NaN).Average()).ToList();
        return new IterationReport(iteration, total.Average(), GroupAdvantages.Std(total), components, advantages, update, forest.Stats,
            rewardSeconds, trainSeconds, promptMeans);
    }

    /// <summary>One reward's scores of consecutive waves, as one result in leaf order.</summary>
    private static RewardScores Concat(IReadOnlyList<RewardScores> parts)
    {
        if (parts.Count == 1) return parts[0];
        var components = parts[0].Components.Keys.ToDictionary(name => name, name => parts.SelectMany(p => p.Components[name]).ToArray());
        return new RewardScores(parts.SelectMany(p => p.Scores).ToArray(), components);
    }
}
