using Arbor.Advantages;
using Arbor.Pipelines;
using Arbor.Reporting;
using Arbor.Rewards;
using Arbor.Rollouts;
using Arbor.Tensors;

namespace Arbor.Training;

/// <summary>
/// Rolls out one prompt with a run's strategy, scores the leaves and assigns advantages exactly as training
/// does, and draws the first tree (`arbor tree`, and the picture saved at each evaluation of a run).
/// </summary>
public static class TreeInspection
{
    public static string Render(TextToImagePipeline pipeline, GrpoTrainConfig config, string prompt, long iteration, ulong seed)
    {
        var (forest, _, strategy) = Rollout(pipeline, config, prompt, iteration, seed);
        using (forest)
        {
            return TreePicture.Svg(forest, 0, 0,
                $"{strategy.Name}: \"{prompt}\" — {forest.Leaves.Count(l => l.Tree == 0)} leaves, {forest.Stats.ModelForwards} forwards");
        }
    }

    /// <summary>
    /// One prompt's rollout as iteration <paramref name="iteration"/> of a run would make it (noise from
    /// <paramref name="seed"/>, the strategy's per-iteration choices from Random(seed)), scored by the run's rewards
    /// and weights through <see cref="ScoringPath"/>, the path training takes. The caller disposes the forest.
    /// </summary>
    public static (RolloutForest Forest, ScoredRollout Scored, IRolloutStrategy Strategy) Rollout(TextToImagePipeline pipeline,
        GrpoTrainConfig config, string prompt, long iteration, ulong seed)
    {
        if (StrategyRegistry.GuidanceIntervalProblem(config) is { } interval) throw new Configuration.ConfigException(interval);
        var strategy = StrategyRegistry.Create(config);
        var random = new Random((int)(seed & 0x7fffffff));
        strategy.BeginIteration(iteration, random);
        var engine = new RolloutEngine(pipeline, config.Rollout) { RecordPredictions = true };
        using var conditioning = new PromptConditioning(pipeline, [prompt], config.Rollout.Guidance, config.Rollout.GuidanceUntil);
        using var generator = new Generator(seed);
        using var noGrad = Torch.NoGrad();
        var forest = engine.Run([prompt], strategy, conditioning, generator);
        // the run's own rewards and weights (a remote reward is scored by the
        // built-in shapes verifier instead: the picture must not need the server)
        var names = config.Reward.Names.Select((n, k) =>
            (Name: n == "remote" ? "shapes" : n, Weight: config.Reward.Weights.Count > k ? config.Reward.Weights[k] : 1.0)).ToList();
        var batch = new RewardBatch(forest.Images, forest.Leaves.Select(_ => prompt).ToList());
        var scores = names.Select(r => BuiltInRewards.Create(r.Name).ScoreAsync(batch).GetAwaiter().GetResult()).ToArray();
        // the shuffle's seed is the next draw after the strategy's, as in a training iteration
        var scored = ScoringPath.Apply(forest, strategy, names, scores, config.Advantage, (ulong)random.NextInt64());
        return (forest, scored, strategy);
    }
}
