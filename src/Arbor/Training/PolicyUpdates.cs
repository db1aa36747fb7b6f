using Arbor.Pipelines;
using Arbor.Rollouts;
using Arbor.Strategies;
using Arbor.Strategies.DynamicTree;

namespace Arbor.Training;

/// <summary>The loss a run's strategy trains with, chosen once when the run is built (<see cref="StrategyEntry.Update"/>).</summary>
public static class PolicyUpdates
{
    public static IPolicyUpdate Create(GrpoTrainConfig config, TextToImagePipeline pipeline, IRolloutStrategy strategy,
        RolloutEngine engine) =>
        StrategyRegistry.Find(config.Strategy).Update is { } update
            ? update(config, pipeline, strategy, engine)
            : PolicyGradient(config, pipeline, strategy, engine);

    /// <summary>The GRPO family's clipped surrogate on the trained edges (ALGORITHMS.md §3), with the strategy's loss shaping.</summary>
    public static PolicyTrainer PolicyGradient(GrpoTrainConfig config, TextToImagePipeline pipeline, IRolloutStrategy strategy,
        RolloutEngine engine) =>
        new(pipeline, strategy.SdeStep, engine.Schedule(strategy.Steps), config.Loss, config.Rollout.LogProbReduction)
        { Shaping = strategy as ILossShaping, Replay = PretrainingReplay.For(config, pipeline) };

    /// <summary>A forward-process method's update (ALGORITHMS.md §5.7): its loss on the leaves' clean images.</summary>
    public static ForwardProcessTrainer ForwardProcess(GrpoTrainConfig config, ForwardProcessConfig section, IForwardProcessLoss loss,
        TextToImagePipeline pipeline, IRolloutStrategy strategy, RolloutEngine engine) =>
        new(pipeline, section, loss, engine.Schedule(strategy.Steps), config.Loss, config.Seed)
        {
            Replay = PretrainingReplay.For(config, pipeline),
            Credit = section.PixelCredit == PixelCredit.ShapesObjects ? new Rewards.ShapesObjectCredit() : null,
        };

    /// <summary>The policy gradient and LayerTuning-RL v2's leaf term in one loss (<see cref="CompositeUpdate"/>).</summary>
    public static CompositeUpdate WithLeafTerm(GrpoTrainConfig config, DynamicTreeConfig dt, TextToImagePipeline pipeline,
        IRolloutStrategy strategy,
        RolloutEngine engine) =>
        new(PolicyGradient(config, pipeline, strategy, engine), LeafTerm(config, dt, pipeline, strategy, engine));

    /// <summary>LayerTuning-RL v2's leaf term: λ times the leaf SFT or NFT loss, its old policy the rollout's (decay 0).</summary>
    private static ForwardProcessTrainer LeafTerm(GrpoTrainConfig config, DynamicTreeConfig dt, TextToImagePipeline pipeline,
        IRolloutStrategy strategy, RolloutEngine engine)
    {
        var times = new NftConfig
        {
            Steps = dt.Steps,
            TimesPerImage = Math.Min(dt.LayerTuningTimes, dt.Steps),
            RefWeight = 0,
            OldDecayRate = 0,
            OldDecayMax = 0,
            LossSpace = dt.LayerTuningLossSpace
        };
        IForwardProcessLoss loss = dt.LayerTuningForm == LayerTuningForm.LeafSft
            ? new LeafSftLoss(dt.LayerTuningWeight)
            : new ScaledLoss(new NftLoss(times, config.Advantage.AdvantageClip), dt.LayerTuningWeight);
        return new ForwardProcessTrainer(pipeline, times, loss, engine.Schedule(strategy.Steps), config.Loss, LeafTermSeed(config.Seed));
    }

    // the leaf term's noise and time draws: a stream of their own, apart from the run's other draws
    private static ulong LeafTermSeed(ulong seed) => SeedHash.Of(seed, 0x1eaf);
}
