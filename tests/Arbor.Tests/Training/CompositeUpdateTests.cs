using Arbor.Advantages;
using Arbor.Rollouts;
using Arbor.Strategies;
using Arbor.Strategies.DynamicTree;
using Arbor.Tensors;
using Arbor.Tensors.Optim;
using Arbor.Tests.Rollouts;
using Arbor.Training;

namespace Arbor.Tests.Training;

public class CompositeUpdateTests
{
    /// <summary>The trained LoRA weights after two iterations of a tiny Dynamic-TreeRPO run with the given LayerTuning setting.</summary>
    private static double[] WeightsAfterTwoIterations(bool layerTuning, LayerTuningForm form, double weight)
    {
        using var pipeline = RolloutEngineTests.TinyPipeline(31);
        var config = new GrpoTrainConfig
        {
            Strategy = "dynamic_tree",
            DynamicTree = new DynamicTreeConfig
            {
                Steps = 4, Depth = 2, LastWindowStart = 1, NumTrees = 2, LayerTuning = layerTuning,
                LayerTuningForm = form, LayerTuningWeight = weight
            },
            Loss = new PolicyLossConfig { ClipRange = 1e-3, UpdatesPerIteration = 2 },
        };
        var strategy = StrategyRegistry.Create(config);
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0 });
        var trainer = PolicyUpdates.Create(config, pipeline, strategy, engine);
        using var disposeTrainer = trainer as IDisposable;
        using var opt =
            new AdamW(pipeline.Model.NamedParameters(trainableOnly: true), new AdamWOptions { LearningRate = 3e-3, WeightDecay = 0 });
        var loop = new GrpoIteration(pipeline, strategy, engine, new RednessReward(), new AdvantageConfig(), trainer, opt);
        using var gen = new Generator(32);
        var random = new Random(2);
        for (int it = 0; it < 2; it++) loop.Run(it, ["a red circle", "a blue square"], gen, random);
        return pipeline.Model.Parameters(trainableOnly: true).SelectMany(p => p.ToDoubleArray()).ToArray();
    }

    [Theory]
    [InlineData(LayerTuningForm.LeafNft)]
    [InlineData(LayerTuningForm.LeafSft)]
    public void ALeafTermOfWeightZeroLeavesThePolicyGradientsUpdateBitForBit(LayerTuningForm form)
    {
        // One loss, L_pg + λ·L_leaf, one optimizer step per minibatch: at λ = 0 the leaf term adds exact zeros to the
        // gradients. Two steps (the first design) would give the zero-gradient step Adam's momentum and move the weights.
        var off = WeightsAfterTwoIterations(layerTuning: false, form, 0);
        var zero = WeightsAfterTwoIterations(layerTuning: true, form, 0);
        Assert.Equal(off, zero);
        var on = WeightsAfterTwoIterations(layerTuning: true, form, 1);
        Assert.NotEqual(off, on);
    }
}
