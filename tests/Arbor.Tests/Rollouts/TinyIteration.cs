using Arbor.Distributed;
using Arbor.Pipelines;
using Arbor.Rollouts;
using Arbor.Tensors.Optim;
using Arbor.Training;

namespace Arbor.Tests.Rollouts;

/// <summary>
/// One GRPO iteration of a test run on a pipeline, wired as a run wires it: the config's strategy from
/// the registry, an engine at guidance 1 (one forward per node), the config's policy update and advantages, the
/// <see cref="RednessReward"/>, and AdamW (learning rate 3e-3, no weight decay) on the trainable weights.
/// </summary>
internal sealed class TinyIteration : IDisposable
{
    private readonly IPolicyUpdate _trainer;
    private readonly AdamW _optimizer;

    public TinyIteration(TextToImagePipeline pipeline, GrpoTrainConfig config, DataParallel? parallel = null)
    {
        var strategy = StrategyRegistry.Create(config);
        var engine = new RolloutEngine(pipeline, new RolloutConfig { Guidance = 1.0 });
        _trainer = PolicyUpdates.Create(config, pipeline, strategy, engine);
        _optimizer = new AdamW(pipeline.Model.NamedParameters(trainableOnly: true),
            new AdamWOptions { LearningRate = 3e-3, WeightDecay = 0 });
        Loop = new GrpoIteration(pipeline, strategy, engine, [(new RednessReward(), 1.0)], config.Advantage, _trainer, _optimizer,
            parallel);
    }

    public GrpoIteration Loop { get; }

    public void Dispose()
    {
        _optimizer.Dispose();
        (_trainer as IDisposable)?.Dispose();
    }
}
