using Arbor.Models;
using Arbor.Strategies;
using Arbor.Tensors;
using Arbor.Training;

namespace Arbor.Tests.Training;

public class ForwardProcessLossTests
{
    private static readonly FlowMatchingProcess Flow = FlowMatchingProcess.Instance;

    private static NftLoss Nft(double beta = 1.0, double refWeight = 0) =>
        new(new NftConfig { Steps = 4, Beta = beta, RefWeight = refWeight }, advantageClip: 5);

    [Fact]
    public void TheLossMatchesHandComputedValuesOnTinyTensors()
    {
        var nft = Nft(beta: 0.5, refWeight: 0.1);
        using var scope = Torch.NewScope();
        // one sample of D = 2 elements at t = 0.5: x0 = (0, 1), x_t = (1, 1), v = (1, 0), v_old = (0, 0), v_ref = (1, 1), A = 2.5
        var x0 = Torch.FromArray(new float[] { 0, 1 }, [1, 2]);
        var xt = Torch.FromArray(new float[] { 1, 1 }, [1, 2]);
        var tb = Torch.FromArray(new float[] { 0.5f }, [1, 1]);
        var v = Torch.FromArray(new float[] { 1, 0 }, [1, 2]);
        var vOld = Torch.FromArray(new float[] { 0, 0 }, [1, 2]);
        var vRef = Torch.FromArray(new float[] { 1, 1 }, [1, 2]);
        var (loss, stats) = nft.Of(new ForwardBatch(x0, xt, tb, v, vOld, vRef, [2.5], Flow), total: 1);
        // β = 0.5: v⁺ = 0.5·v + 0.5·v_old = (0.5, 0), v⁻ = 1.5·v_old − 0.5·v = (−0.5, 0)
        // x̂0⁺ − x0 = x_t − t·v⁺ − x0 = (1 − 0.25, 0) = (0.75, 0): mean square 0.28125, w⁺ = mean |·| = 0.375
        // x̂0⁻ − x0 = (1 + 0.25, 0) = (1.25, 0): mean square 0.78125, w⁻ = 0.625
        // r = 2.5/5/2 + 0.5 = 0.75; per sample 0.75·0.28125/0.375 + 0.25·0.78125/0.625 = 0.5625 + 0.3125 = 0.875
        // A_max/β · 0.875 = 10 · 0.875 = 8.75; reference: mean (v − v_ref)² = (0 + 1)/2 = 0.5, times 0.1 = 0.05
        Assert.Equal(8.75 + 0.05, loss.Item(), 5);
        Assert.Equal(0.5, stats.RefSum, 6);
    }

    [Fact]
    public void WithBetaOneAndThetaEqualToTheOldPolicyTheGradientIsTheAdvantageWeightedFlowMatchingGradient()
    {
        // ∇_v L_NFT = A·t²/w·∇_v L_FM with L_FM = mean_D(u − v)², u = (x_t − x0)/t (derivation in NftTrainer's summary)
        var nft = Nft();
        using var scope = Torch.NewScope();
        using var gen = new Generator(5);
        const double t = 0.6, advantage = 1.7;
        var x0 = Torch.Randn([1, 6], gen);
        var eps = Torch.Randn([1, 6], gen);
        var xt = x0 * (1 - t) + eps * t;
        var tb = Torch.Full([1, 1], t);
        var v = Torch.Randn([1, 6], gen).RequiresGradInPlace();
        var (loss, _) = nft.Of(new ForwardBatch(x0, xt, tb, v, v.Detach(), null, [advantage], Flow), total: 1);
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
    public void InPredictionSpaceTheLossIsTheX0LossWithoutItsTimeWeight()
    {
        // on a flow model x̂0(v) − x0 = t·(u − v): every error scales by t, and so does each sample's mean square over
        // its mean absolute value, so at one time t the x0-space loss is t times the prediction-space loss
        using var scope = Torch.NewScope();
        using var gen = new Generator(8);
        const double t = 0.7;
        var x0 = Torch.Randn([2, 6], gen);
        var xt = x0 * (1 - t) + Torch.Randn([2, 6], gen) * t;
        var v = Torch.Randn([2, 6], gen);
        var vOld = Torch.Randn([2, 6], gen);
        var batch = new ForwardBatch(x0, xt, Torch.Full([2, 1], t), v, vOld, null, [1.2, -0.4], Flow);
        var x0Space = new NftLoss(new NftConfig { Steps = 4, RefWeight = 0 }, advantageClip: 5).Of(batch, total: 2).Loss.Item();
        var predictionSpace = new NftLoss(new NftConfig { Steps = 4, RefWeight = 0, LossSpace = NftLossSpace.Prediction },
            advantageClip: 5).Of(batch, total: 2).Loss.Item();
        Assert.Equal(x0Space, t * predictionSpace, 5);
        // on an ε-model the same holds with t replaced by sqrt((1 − ᾱ)/ᾱ)
        var ddpm = new DdpmProcess(new DiffusionScheduleConfig());
        double slope = Math.Sqrt((1 - ddpm.AlphaBar(t)) / ddpm.AlphaBar(t));
        var epsBatch = batch with { Xt = ddpm.Noised(x0, Torch.Randn([2, 6], gen), Torch.Full([2, 1], t)), Process = ddpm };
        x0Space = new NftLoss(new NftConfig { Steps = 4, RefWeight = 0 }, advantageClip: 5).Of(epsBatch, total: 2).Loss.Item();
        predictionSpace = new NftLoss(new NftConfig { Steps = 4, RefWeight = 0, LossSpace = NftLossSpace.Prediction },
            advantageClip: 5).Of(epsBatch, total: 2).Loss.Item();
        Assert.Equal(x0Space / slope, predictionSpace, 4);
    }

    [Fact]
    public void AZeroAdvantageLeafAtTheOldPolicyHasNoGradient()
    {
        // r = ½: the positive and negative terms pull equally in opposite directions
        var nft = Nft();
        using var scope = Torch.NewScope();
        using var gen = new Generator(6);
        var x0 = Torch.Randn([2, 4], gen);
        var xt = Torch.Randn([2, 4], gen);
        var v = Torch.Randn([2, 4], gen).RequiresGradInPlace();
        var (loss, _) = nft.Of(new ForwardBatch(x0, xt, Torch.Full([2, 1], 0.3), v, v.Detach(), null, [0, 0], Flow), total: 2);
        loss.Backward();
        Assert.All(v.Grad!.ToFloatArray(), g => Assert.Equal(0, g, 6));
    }

    [Fact]
    public void AwmsLossMatchesHandComputedValuesOnTinyTensors()
    {
        var awm = new AwmLoss(new AwmConfig { ClipRange = 0.2, KlWeight = 0.5 }, advantageClip: 5);
        using var scope = Torch.NewScope();
        // two samples of D = 2 at t = 0.5: x0 = 0, x_t = (1, 1) → u = (x_t − x0)/t = (2, 2)
        // sample 0: v = (2, 1): ℓ_θ = −(0 + 1)/2 = −0.5; v_old = (2, 2): ℓ_old = 0; ρ = e^−0.5 = 0.6065 < 0.8; A = 1
        //   −min(ρA, clip(ρ)A) = −min(0.6065, 0.8) = −0.6065
        // sample 1: v = v_old = (2, 2): ρ = 1, A = −2: −min(−2, −2) = 2
        // KL to v_ref = (2, 2): sample 0 (0 + 1)/2 = 0.5, sample 1 0 → 0.5·0.5 = 0.25; total / 2 samples
        var x0 = Torch.Zeros([2, 2]);
        var xt = Torch.Ones([2, 2]);
        var tb = Torch.Full([2, 1], 0.5);
        var v = Torch.FromArray(new float[] { 2, 1, 2, 2 }, [2, 2]);
        var vOld = Torch.Full([2, 2], 2.0);
        var (loss, stats) = awm.Of(new ForwardBatch(x0, xt, tb, v, vOld, Torch.Full([2, 2], 2.0), [1, -2], Flow), total: 2);
        Assert.Equal((-Math.Exp(-0.5) + 2 + 0.25) / 2, loss.Item(), 5);
        Assert.Equal(1, stats.Clipped);   // sample 0's ratio is outside [0.8, 1.2]
        Assert.Equal(0.5, stats.RefSum, 6);
    }

    [Fact]
    public void AtTheOldPolicyAwmsGradientIsTheAdvantageTimesTheFlowMatchingGradient()
    {
        var awm = new AwmLoss(new AwmConfig { KlWeight = 0 }, advantageClip: 5);
        using var scope = Torch.NewScope();
        using var gen = new Generator(8);
        const double t = 0.4, advantage = -1.3;
        var x0 = Torch.Randn([1, 5], gen);
        var xt = x0 * (1 - t) + Torch.Randn([1, 5], gen) * t;
        var v = Torch.Randn([1, 5], gen).RequiresGradInPlace();
        var (loss, _) = awm.Of(new ForwardBatch(x0, xt, Torch.Full([1, 1], t), v, v.Detach(), null, [advantage], Flow), total: 1);
        loss.Backward();
        var vFm = v.Detach().Clone().RequiresGradInPlace();
        ((xt - x0) * (1 / t) - vFm).Square().Mean().Backward();
        var expected = vFm.Grad!.ToFloatArray();
        var actual = v.Grad!.ToFloatArray();
        for (int i = 0; i < 5; i++) Assert.Equal(advantage * expected[i], actual[i], 5);
    }

    [Fact]
    public void LeafSftWeighsEachLeafByItsPositiveAdvantage()
    {
        // LayerTuning-RL v2 (a): λ·Σ max(0, A)·mean_D(v − u)² / N; u = (x_t − x0)/t
        var sft = new LeafSftLoss(weight: 0.5);
        using var scope = Torch.NewScope();
        // x0 = 0, x_t = (1, 1) at t = 0.5 → u = (2, 2); v0 = (2, 0): mse 2; v1 = (0, 0): mse 4; A = (1.5, −1)
        // 0.5 · (1.5·2 + 0·4) / 2 = 0.75: the worse leaf is ignored
        var (loss, _) = sft.Of(new ForwardBatch(Torch.Zeros([2, 2]), Torch.Ones([2, 2]), Torch.Full([2, 1], 0.5),
            Torch.FromArray(new float[] { 2, 0, 0, 0 }, [2, 2]), Torch.Zeros([2, 2]), null, [1.5, -1], Flow), total: 2);
        Assert.Equal(0.75, loss.Item(), 6);
    }
}
