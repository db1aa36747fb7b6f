using System.Diagnostics;
using Arbor.Advantages;
using Arbor.Pipelines;
using Arbor.Rewards;
using Arbor.Rollouts;
using Arbor.Tensors;
using Arbor.Tensors.Optim;

namespace Arbor.Training;

/// <summary>One iteration's measurements, with the same meaning for every strategy (ALGORITHMS.md §7).</summary>
public sealed record IterationReport(long Iteration, double RewardMean, double RewardStd, IReadOnlyDictionary<string, double> ComponentMeans,
    AdvantageResult Advantages, PolicyUpdateStats Update, RolloutStats Rollout, double RewardSeconds, double TrainSeconds);

/// <summary>
/// One GRPO iteration, read top to bottom: roll out every prompt with the strategy, score the leaves,
/// turn rewards into group advantages, give each trained edge its advantage, update the policy.
/// </summary>
public sealed class GrpoIteration(TextToImagePipeline pipeline, IRolloutStrategy strategy, RolloutEngine engine,
    IReadOnlyList<(IRewardFunction Reward, double Weight)> rewards, AdvantageConfig advantageConfig, PolicyTrainer trainer, Optimizer optimizer)
{
    public GrpoIteration(TextToImagePipeline pipeline, IRolloutStrategy strategy, RolloutEngine engine, IRewardFunction reward,
        AdvantageConfig advantageConfig, PolicyTrainer trainer, Optimizer optimizer)
        : this(pipeline, strategy, engine, [(reward, 1.0)], advantageConfig, trainer, optimizer) { }

    public IterationReport Run(long iteration, IReadOnlyList<string> prompts, Generator generator, Random random)
    {
        strategy.BeginIteration(iteration, random);
        using var conditioning = new PromptConditioning(pipeline, prompts, engine.Config.Guidance);

        // ---- rollout ----
        using var forest = engine.Run(prompts, strategy, conditioning, generator);
        var leaves = forest.Leaves;

        // ---- reward: every reward function at once (a remote one runs while the others compute) ----
        var clock = Stopwatch.StartNew();
        var batch = new RewardBatch(forest.Images, leaves.Select(l => prompts[l.Prompt]).ToList());
        var scored = Task.WhenAll(rewards.Select(r => r.Reward.ScoreAsync(batch))).GetAwaiter().GetResult();
        var weights = rewards.Select(r => r.Weight).ToList();
        var total = Enumerable.Range(0, leaves.Count).Select(i => scored.Select((s, k) => weights[k] * s.Scores[i]).Sum()).ToArray();
        for (int i = 0; i < leaves.Count; i++) leaves[i].Reward = total[i];
        var components = new Dictionary<string, double>();
        for (int k = 0; k < scored.Length; k++)
        {
            components[rewards[k].Reward.Name] = scored[k].Scores.Average();
            foreach (var (name, values) in scored[k].Components) components[$"{rewards[k].Reward.Name}.{name}"] = values.Average();
        }
        double rewardSeconds = clock.Elapsed.TotalSeconds;

        // ---- advantages: per prompt group, then onto the edges as the strategy defines ----
        var advantages = EdgeAdvantages.Assign(forest, strategy.AdvantageMode, scored.Select(s => (IReadOnlyList<double>)s.Scores).ToList(),
            weights, advantageConfig);

        // ---- policy update ----
        clock.Restart();
        (strategy as ILossShaping)?.Prepare(forest);
        var update = trainer.Update(forest, conditioning, optimizer);
        double trainSeconds = clock.Elapsed.TotalSeconds;

        return new IterationReport(iteration, total.Average(), GroupAdvantages.Std(total), components, advantages, update, forest.Stats,
            rewardSeconds, trainSeconds);
    }
}
