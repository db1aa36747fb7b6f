using Arbor.Advantages;
using Arbor.Pipelines;
using Arbor.Rewards;
using Arbor.Rollouts;
using Arbor.Tensors;
using Arbor.Training;

namespace Arbor.Reporting;

/// <summary>
/// Rolls out one prompt with a run's strategy, scores the leaves and assigns advantages exactly as training
/// does, and draws the first tree (`arbor tree`, and the picture saved at each evaluation of a run).
/// </summary>
public static class TreeInspection
{
    public static string Render(TextToImagePipeline pipeline, GrpoTrainConfig config, string prompt, long iteration, ulong seed)
    {
        var strategy = Strategies.Strategies.Create(config);
        strategy.BeginIteration(iteration, new Random((int)(seed & 0x7fffffff)));
        var engine = new RolloutEngine(pipeline, config.Rollout) { RecordPredictions = true };
        using var conditioning = new PromptConditioning(pipeline, [prompt], config.Rollout.Guidance);
        using var generator = new Generator(seed);
        using var noGrad = Torch.NoGrad();
        using var forest = engine.Run([prompt], strategy, conditioning, generator);

        var rewards = config.Reward.Names.Where(n => n != "remote").Select(BuiltInRewards.Create).ToList();
        if (rewards.Count == 0) rewards.Add(BuiltInRewards.Create("shapes"));
        var batch = new RewardBatch(forest.Images, forest.Leaves.Select(_ => prompt).ToList());
        var scores = rewards.Select(r => r.ScoreAsync(batch).GetAwaiter().GetResult().Scores).ToList();
        for (int i = 0; i < forest.Leaves.Count; i++) forest.Leaves[i].Reward = scores.Sum(s => s[i]);
        EdgeAdvantages.Assign(forest, strategy.AdvantageMode, scores.Select(s => (IReadOnlyList<double>)s).ToList(),
            scores.Select(_ => 1.0).ToList(), config.Advantage);
        return TreePicture.Svg(forest, 0, 0, $"{strategy.Name}: \"{prompt}\" — {forest.Leaves.Count(l => l.Tree == 0)} leaves, {forest.Stats.ModelForwards} forwards");
    }
}
