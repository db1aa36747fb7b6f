using Arbor.Strategies.DynamicTree;
using Arbor.Tensors;
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
        using var iteration = new TinyIteration(pipeline, config);
        var loop = iteration.Loop;
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
