using Arbor.Rewards;
using Arbor.Rollouts;
using Arbor.Strategies;
using Arbor.Tensors;
using Arbor.Tensors.Optim;
using Arbor.Training;

namespace Arbor.Tests.Training;

public class TreeInspectionTests
{
    [Fact]
    public void TheTreePictureAndATrainingIterationGiveTheSameAdvantagesOnTheSameSeed()
    {
        // one scoring path (ScoringPath): the picture shows exactly the advantages training uses, reward weights included
        using var pipeline = Rollouts.RolloutEngineTests.TinyPipeline(4);
        var config = new GrpoTrainConfig
        {
            Strategy = "tree_grpo",
            TreeGrpo = new TreeGrpoConfig { Steps = 4, Branching = 2, Depth = 2 },
            Rollout = new RolloutConfig { Guidance = 1.0 },
            Reward = new RewardConfig { Names = ["jpeg_compressibility", "jpeg_incompressibility"], Weights = [2.0, 0.5] },
        };
        const ulong seed = 11;
        var (forest, scored, _) = TreeInspection.Rollout(pipeline, config, "a red circle", iteration: 3, seed);
        using (forest)
        {
            var strategy = StrategyRegistry.Create(config);
            var engine = new RolloutEngine(pipeline, config.Rollout);
            var trainer = PolicyUpdates.Create(config, pipeline, strategy, engine);
            using var opt = new AdamW(pipeline.Model.NamedParameters(trainableOnly: true), new AdamWOptions { LearningRate = 1e-3 });
            var rewards = config.Reward.Names.Select((n, k) => (BuiltInRewards.Create(n), config.Reward.Weights[k])).ToList();
            var iteration = new GrpoIteration(pipeline, strategy, engine, rewards, config.Advantage, trainer, opt);
            using var generator = new Generator(seed);
            var report = iteration.Run(3, ["a red circle"], generator, new Random((int)(seed & 0x7fffffff)));
            Assert.Equal(scored.Advantages.Values, report.Advantages.Values);
            Assert.Equal(scored.Total.Average(), report.RewardMean, 12);
            Assert.Equal(scored.Components["jpeg_compressibility"], report.ComponentMeans["jpeg_compressibility"], 12);
        }
    }

    [Fact]
    public void BranchGrposFusionTemperatureReachesTheAdvantages()
    {
        // issue #19's defect: the iteration assigned depth-normalized advantages with β_f = 1 whatever the config said
        using var pipeline = Rollouts.RolloutEngineTests.TinyPipeline(4);
        double[] EdgeAdvantages(double temperature)
        {
            var config = new GrpoTrainConfig
            {
                Strategy = "branch_grpo",
                BranchGrpo = new BranchGrpoConfig { Steps = 4, SplitSteps = [0, 1, 2], FusionTemperature = temperature },
                Rollout = new RolloutConfig { Guidance = 1.0 },
                Reward = new RewardConfig { Names = ["jpeg_compressibility"] },
            };
            var (forest, _, _) = TreeInspection.Rollout(pipeline, config, "a red circle", iteration: 0, seed: 3);
            using (forest) return [.. forest.Edges.Where(e => e.Trained).Select(e => e.Advantage)];
        }
        var plainMean = EdgeAdvantages(0);
        var weighted = EdgeAdvantages(1);
        Assert.Equal(plainMean.Length, weighted.Length);
        Assert.NotEqual(plainMean, weighted);
        Assert.Equal(plainMean, EdgeAdvantages(0));
    }
}
