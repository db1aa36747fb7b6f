using Arbor.Pipelines;
using Arbor.Rollouts;
using Arbor.Strategies;

namespace Arbor.Training;

/// <summary>The loss a run's strategy trains with, chosen once when the run is built.</summary>
public static class PolicyUpdates
{
    public static IPolicyUpdate Create(GrpoTrainConfig config, TextToImagePipeline pipeline, IRolloutStrategy strategy, RolloutEngine engine) =>
        config.Strategy switch
        {
            "nft" => new ForwardProcessTrainer(pipeline, config.Nft, new NftLoss(config.Nft, config.Advantage.AdvantageClip), engine.Schedule(strategy.Steps), config.Loss, config.Seed),
            "awm" => new ForwardProcessTrainer(pipeline, config.Awm, new AwmLoss(config.Awm, config.Advantage.AdvantageClip), engine.Schedule(strategy.Steps), config.Loss, config.Seed),
            _ => new PolicyTrainer(pipeline, strategy.SdeStep, engine.Schedule(strategy.Steps), config.Loss, config.Rollout.LogProbReduction)
            {
                Shaping = strategy as ILossShaping,
            },
        };
}
