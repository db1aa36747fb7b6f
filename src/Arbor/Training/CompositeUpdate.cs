using Arbor.Advantages;
using Arbor.Rollouts;
using Arbor.Tensors.Optim;

namespace Arbor.Training;

/// <summary>
/// The policy-gradient update followed by a leaf term on the same scored rollout, each with its own optimizer step
/// (LayerTuning-RL v2's leaf forms, ALGORITHMS.md §5.6). The leaf term's "old" policy follows the trained weights
/// with decay 0, so it is exactly the rollout's policy: the rollout stays on-policy for the policy gradient, and
/// the term's v_old is the velocity the tree was sampled with.
/// </summary>
public sealed class CompositeUpdate(IPolicyUpdate policyGradient, ForwardProcessTrainer leafTerm) : IPolicyUpdate, IDisposable
{
    public ExponentialMovingAverage? State => leafTerm.State;

    public PolicyUpdateStats Update(long iteration, RolloutForest forest, AdvantageResult advantages, PromptConditioning conditioning, Optimizer optimizer)
    {
        var pg = policyGradient.Update(iteration, forest, advantages, conditioning, optimizer);
        var leaf = leafTerm.Update(iteration, forest, advantages, conditioning, optimizer);
        return pg with
        {
            Loss = pg.Loss + leaf.Loss,
            TrainingForwards = pg.TrainingForwards + leaf.TrainingForwards,
            SkippedUpdates = pg.SkippedUpdates + leaf.SkippedUpdates,
        };
    }

    public void Dispose() => leafTerm.Dispose();
}
