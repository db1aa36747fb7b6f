using Arbor.Sampling;
using Arbor.Strategies;
using Arbor.Tensors;
using Arbor.Training;

namespace Arbor.Tests.Training;

public class NftTrainerTests
{
    private static NftTrainer Trainer(Arbor.Pipelines.TextToImagePipeline pipeline, double beta = 1.0, double refWeight = 0) =>
        new(pipeline, new NftConfig { Steps = 4, Beta = beta, RefWeight = refWeight }, TimeSchedule.Linear(4, 1.0), new PolicyLossConfig(), advantageClip: 5, seed: 1);

    [Fact]
    public void TheLossMatchesHandComputedValuesOnTinyTensors()
    {
        using var pipeline = Rollouts.RolloutEngineTests.TinyPipeline(2);
        using var nft = Trainer(pipeline, beta: 0.5, refWeight: 0.1);
        using var scope = Torch.NewScope();
        // one sample of D = 2 elements at t = 0.5: x0 = (0, 1), x_t = (1, 1), v = (1, 0), v_old = (0, 0), v_ref = (1, 1), A = 2.5
        var x0 = Torch.FromArray(new float[] { 0, 1 }, [1, 2]);
        var xt = Torch.FromArray(new float[] { 1, 1 }, [1, 2]);
        var tb = Torch.FromArray(new float[] { 0.5f }, [1, 1]);
        var v = Torch.FromArray(new float[] { 1, 0 }, [1, 2]);
        var vOld = Torch.FromArray(new float[] { 0, 0 }, [1, 2]);
        var vRef = Torch.FromArray(new float[] { 1, 1 }, [1, 2]);
        var (loss, refSum) = nft.Loss(x0, xt, tb, v, vOld, vRef, [2.5], total: 1);
        // β = 0.5: v⁺ = 0.5·v + 0.5·v_old = (0.5, 0), v⁻ = 1.5·v_old − 0.5·v = (−0.5, 0)
        // x̂0⁺ − x0 = x_t − t·v⁺ − x0 = (1 − 0.25, 0) = (0.75, 0): mean square 0.28125, w⁺ = mean |·| = 0.375
        // x̂0⁻ − x0 = (1 + 0.25, 0) = (1.25, 0): mean square 0.78125, w⁻ = 0.625
        // r = 2.5/5/2 + 0.5 = 0.75; per sample 0.75·0.28125/0.375 + 0.25·0.78125/0.625 = 0.5625 + 0.3125 = 0.875
        // A_max/β · 0.875 = 10 · 0.875 = 8.75; reference: mean (v − v_ref)² = (0 + 1)/2 = 0.5, times 0.1 = 0.05
        Assert.Equal(8.75 + 0.05, loss.Item(), 5);
        Assert.Equal(0.5, refSum, 6);
    }

    [Fact]
    public void WithBetaOneAndThetaEqualToTheOldPolicyTheGradientIsTheAdvantageWeightedFlowMatchingGradient()
    {
        // ∇_v L_NFT = A·t²/w·∇_v L_FM with L_FM = mean_D(u − v)², u = (x_t − x0)/t (derivation in NftTrainer's summary)
        using var pipeline = Rollouts.RolloutEngineTests.TinyPipeline(2);
        using var nft = Trainer(pipeline);
        using var scope = Torch.NewScope();
        using var gen = new Generator(5);
        const double t = 0.6, advantage = 1.7;
        var x0 = Torch.Randn([1, 6], gen);
        var eps = Torch.Randn([1, 6], gen);
        var xt = x0 * (1 - t) + eps * t;
        var tb = Torch.Full([1, 1], t);
        var v = Torch.Randn([1, 6], gen).RequiresGradInPlace();
        var (loss, _) = nft.Loss(x0, xt, tb, v, v.Detach(), null, [advantage], total: 1);
        loss.Backward();
        var nftGrad = v.Grad!.ToFloatArray();

        var vFm = v.Detach().Clone().RequiresGradInPlace();
        var u = (xt - x0) * (1 / t);
        (u - vFm).Square().Mean().Backward();
        var fmGrad = vFm.Grad!.ToFloatArray();
        double w = (xt - tb * v.Detach() - x0).Abs().Mean().Item();
        for (int i = 0; i < 6; i++)
            Assert.Equal(advantage * t * t / w * fmGrad[i], nftGrad[i], 4);
    }

    [Fact]
    public void AZeroAdvantageLeafAtTheOldPolicyHasNoGradient()
    {
        // r = ½: the positive and negative terms pull equally in opposite directions
        using var pipeline = Rollouts.RolloutEngineTests.TinyPipeline(2);
        using var nft = Trainer(pipeline);
        using var scope = Torch.NewScope();
        using var gen = new Generator(6);
        var x0 = Torch.Randn([2, 4], gen);
        var xt = Torch.Randn([2, 4], gen);
        var v = Torch.Randn([2, 4], gen).RequiresGradInPlace();
        var (loss, _) = nft.Loss(x0, xt, Torch.Full([2, 1], 0.3), v, v.Detach(), null, [0, 0], total: 2);
        loss.Backward();
        Assert.All(v.Grad!.ToFloatArray(), g => Assert.Equal(0, g, 6));
    }
}
