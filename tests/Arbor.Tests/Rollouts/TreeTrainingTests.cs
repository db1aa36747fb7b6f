using Arbor.Advantages;
using Arbor.Models;
using Arbor.Rollouts;
using Arbor.Rewards;
using Arbor.Strategies;
using Arbor.Strategies.DynamicTree;
using Arbor.Tensors;
using Arbor.Tensors.Optim;
using Arbor.Training;

namespace Arbor.Tests.Rollouts;

public class TreeTrainingTests
{
    [Fact]
    public void WithAllThreeComponentsOffDynamicTreeLossEqualsTreeGrpoLossOnTheSameTree()
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(41);
        var off = new DynamicTreeConfig { Steps = 5, Depth = 2, DepthNoise = false, AdaptiveClip = false, LayerTuning = false };
        var dynamic = new DynamicTreeStrategy(off);
        dynamic.BeginIteration(1, new Random(0));      // window start 0
        var tree = new TreeGrpoStrategy(new TreeGrpoConfig { Steps = 5, Depth = 2, Branching = 2 });
        tree.SetWindow(dynamic.WindowStart);
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0 });
        string[] prompts = ["a red circle", "a blue square"];
        using var conditioning = new PromptConditioning(pipeline, prompts, 1.0);

        double Loss(IRolloutStrategy strategy, ILossShaping? shaping)
        {
            using var gen = new Generator(42);
            using var forest = engine.Run(prompts, strategy, conditioning, gen);
            var reward = new RednessReward()
                .ScoreAsync(new RewardBatch(forest.Images, forest.Leaves.Select(l => prompts[l.Prompt]).ToList())).Result;
            for (int i = 0; i < forest.Leaves.Count; i++) forest.Leaves[i].Reward = reward.Scores[i];
            EdgeAdvantages.Assign(forest, strategy.AdvantageMode, [reward.Scores], [1.0], new AdvantageConfig());
            shaping?.Prepare(forest);
            using var opt = new Sgd(pipeline.Model.NamedParameters(trainableOnly: true), new SgdOptions { LearningRate = 0 });
            var trainer = new PolicyTrainer(pipeline, strategy.SdeStep, engine.Schedule(5), new PolicyLossConfig()) { Shaping = shaping };
            return trainer.Update(forest, conditioning, opt).Loss;
        }

        double treeLoss = Loss(tree, null);
        Assert.NotEqual(0, treeLoss);
        Assert.Equal(treeLoss, Loss(dynamic, dynamic));
        // and switching LayerTuning on changes it
        var withSft = new DynamicTreeStrategy(off with { LayerTuning = true, LayerTuningWeight = 1.0 });
        withSft.BeginIteration(1, new Random(0));
        Assert.NotEqual(treeLoss, Loss(withSft, withSft));
    }

    [Fact]
    public void LayerTuningInX0SpaceIsTheVelocityTermScaledByTSquared()
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(45);
        var baseConfig = new DynamicTreeConfig { Steps = 5, Depth = 2, LayerTuning = true, LayerTuningWeight = 0.5 };
        var velocity = new DynamicTreeStrategy(baseConfig);
        var x0 = new DynamicTreeStrategy(baseConfig with { LayerTuningSpace = LayerTuningSpace.X0 });
        velocity.BeginIteration(0, new Random(0));
        x0.BeginIteration(0, new Random(0));
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0 });
        string[] prompts = ["a red circle"];
        using var conditioning = new PromptConditioning(pipeline, prompts, 1.0);
        using var gen = new Generator(46);
        using var forest = engine.Run(prompts, velocity, conditioning, gen);
        void Score()
        {
            var reward = new RednessReward().ScoreAsync(new RewardBatch(forest.Images, [.. forest.Leaves.Select(_ => prompts[0])])).Result;
            for (int i = 0; i < forest.Leaves.Count; i++) forest.Leaves[i].Reward = reward.Scores[i];
        }
        Score();
        velocity.Prepare(forest);
        x0.Prepare(forest);

        using var scope = Torch.NewScope();
        int step = velocity.WindowStart + 1;    // the window's second layer: nodes off the best path have weight > 0
        var sources = forest.Nodes.Where(n => n.Step == step && n.Children.Any(e => e.Trained)).ToList();
        var states = Torch.Stack(sources.Select(n => n.State!).ToList());
        using var noise = new Generator(47);
        var v = Torch.Randn(states.Shape, noise);
        double t = engine.Schedule(5).Times[step];
        var batch = new TrainingStepBatch(step, t, sources, v, states, FlowMatchingProcess.Instance);
        double lv = velocity.ExtraLoss(batch)!.ToDoubleArray()[0];
        double lx = x0.ExtraLoss(batch)!.ToDoubleArray()[0];
        Assert.True(lv > 0);
        Assert.Equal(t * t * lv, lx, 1e-6 * lv);
    }

    [Theory]
    [InlineData("tree_grpo")]
    [InlineData("branch_grpo")]
    [InlineData("dynamic_tree")]
    [InlineData("tree_grpo", ModelKind.Epsilon)]
    [InlineData("branch_grpo", ModelKind.Epsilon)]
    public void ATinyRunOfEachTreeStrategyRaisesTheReward(string name, ModelKind kind = ModelKind.Flow)
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(43, kind);
        // the strategies are unchanged on an ε-model; their stochastic step is DDIM (η = 1, DDPO's)
        var sde = kind == ModelKind.Epsilon ? Arbor.Sampling.Steps.SdeKind.Ddim : Arbor.Sampling.Steps.SdeKind.Flow;
        double level = kind == ModelKind.Epsilon ? 1.0 : 0.7;
        IRolloutStrategy strategy = name switch
        {
            "tree_grpo" => new TreeGrpoStrategy(new TreeGrpoConfig
            {
                Steps = 4, Branching = 2, Depth = 2, NumTrees = 2, SdeKind = sde, NoiseLevel = level
            }),
            "branch_grpo" => new BranchGrpoStrategy(new BranchGrpoConfig
            {
                Steps = 4, SplitSteps = [0, 1], NoiseCorrelation = 1, SdeKind = sde, NoiseLevel = level
            }),
            _ => new DynamicTreeStrategy(
                new DynamicTreeConfig { Steps = 4, Depth = 2, NumTrees = 2, SdeKind = sde, NoiseLevel = level }, 1e-3),
        };
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0 });
        var trainer = new PolicyTrainer(pipeline, strategy.SdeStep, engine.Schedule(4),
            new PolicyLossConfig { ClipRange = 1e-3, UpdatesPerIteration = 2 })
        {
            Shaping = strategy as ILossShaping,
        };
        using var opt =
            new AdamW(pipeline.Model.NamedParameters(trainableOnly: true), new AdamWOptions { LearningRate = 3e-3, WeightDecay = 0 });
        var loop = new GrpoIteration(pipeline, strategy, engine, new RednessReward(), new AdvantageConfig(), trainer, opt);
        using var gen = new Generator(44);
        var random = new Random(2);
        var rewards = new List<double>();
        for (int it = 0; it < 25; it++) rewards.Add(loop.Run(it, ["a red circle", "a blue square"], gen, random).RewardMean);
        double first = rewards.Take(5).Average(), last = rewards.TakeLast(5).Average();
        Assert.True(last > first + 0.05, $"{name}: reward {first:F3} → {last:F3}");
    }
}
