using Arbor.Pipelines;
using Arbor.Rollouts;
using Arbor.Strategies;
using Arbor.Strategies.DynamicTree;

namespace Arbor.Training;

/// <summary>The loss a run's strategy trains with, chosen once when the run is built.</summary>
public static class PolicyUpdates
{
    public static IPolicyUpdate Create(GrpoTrainConfig config, TextToImagePipeline pipeline, IRolloutStrategy strategy, RolloutEngine engine) =>
        config.Strategy switch
        {
            "nft" => new ForwardProcessTrainer(pipeline, config.Nft, new NftLoss(config.Nft, config.Advantage.AdvantageClip), engine.Schedule(strategy.Steps), config.Loss, config.Seed),
            "awm" => new ForwardProcessTrainer(pipeline, config.Awm, new AwmLoss(config.Awm, config.Advantage.AdvantageClip), engine.Schedule(strategy.Steps), config.Loss, config.Seed),
            "dynamic_tree" when config.DynamicTree is { LayerTuning: true, LayerTuningForm: LayerTuningForm.LeafSft or LayerTuningForm.LeafNft } dt =>
                new CompositeUpdate(PolicyGradient(config, pipeline, strategy, engine), LeafTerm(config, dt, pipeline, strategy, engine)),
            _ => PolicyGradient(config, pipeline, strategy, engine),
        };

    private static PolicyTrainer PolicyGradient(GrpoTrainConfig config, TextToImagePipeline pipeline, IRolloutStrategy strategy, RolloutEngine engine) =>
        new(pipeline, strategy.SdeStep, engine.Schedule(strategy.Steps), config.Loss, config.Rollout.LogProbReduction) { Shaping = strategy as ILossShaping };

    /// <summary>LayerTuning-RL v2's leaf term: λ times the leaf SFT or NFT loss, its old policy the rollout's (decay 0).</summary>
    private static ForwardProcessTrainer LeafTerm(GrpoTrainConfig config, DynamicTreeConfig dt, TextToImagePipeline pipeline, IRolloutStrategy strategy, RolloutEngine engine)
    {
        var times = new NftConfig { Steps = dt.Steps, TimesPerImage = Math.Min(dt.LayerTuningTimes, dt.Steps), RefWeight = 0, OldDecayRate = 0, OldDecayMax = 0 };
        IForwardProcessLoss loss = dt.LayerTuningForm == LayerTuningForm.LeafSft
            ? new LeafSftLoss(dt.LayerTuningWeight)
            : new ScaledLoss(new NftLoss(times, config.Advantage.AdvantageClip), dt.LayerTuningWeight);
        return new ForwardProcessTrainer(pipeline, times, loss, engine.Schedule(strategy.Steps), config.Loss, ShapesRngSeed(config.Seed));
    }

    // the leaf term's noise and time draws: a stream of their own, apart from the run's other draws
    private static ulong ShapesRngSeed(ulong seed) => Shapes.ShapesRng.Hash(seed, 0x1eaf);
}
