using Arbor.Advantages;
using Arbor.Models;
using Arbor.Rollouts;
using Arbor.Tensors.Optim;

namespace Arbor.Training;

/// <summary>
/// The policy-gradient loss and a leaf term on the same scored rollout as one loss, L_pg + λ·L_leaf (LayerTuning-RL
/// v2's leaf forms, ALGORITHMS.md §3 and §5.6): for each minibatch both gradients accumulate before one optimizer step.
/// Two steps instead, as this class first took, let Adam normalize each to full size, so the policy gradient's
/// noise moved the weights as far as the leaf term's signal whatever λ said (measured gradient norms: 0.002 for
/// Dynamic-TreeRPO's policy gradient, 0.08 for the NFT term). The leaf term's "old" policy follows the trained
/// weights with decay 0, so it is exactly the rollout's policy: the rollout stays on-policy for the policy
/// gradient, and the term's v_old is the velocity the tree was sampled with.
/// </summary>
public sealed class CompositeUpdate(PolicyTrainer policyGradient, ForwardProcessTrainer leafTerm) : IPolicyUpdate, IDisposable
{
    public ExponentialMovingAverage? State => leafTerm.State;

    public PolicyUpdateStats Update(long iteration, RolloutForest forest, AdvantageResult advantages,
        PromptConditioning conditioning, Optimizer optimizer,
        Distributed.DataParallel? parallel = null)
    {
        var dp = parallel ?? Distributed.DataParallel.Single();
        // decided on the iteration's counts, so that every rank takes the same path
        if (dp.Sum(forest.TrainedEdges.Count())[0] == 0) return leafTerm.Update(iteration, forest, advantages, conditioning, optimizer, dp);
        var leafPlan = leafTerm.Plan(iteration, forest, advantages, conditioning, dp);
        var pg = policyGradient.UpdateScored(forest, conditioning, optimizer,
            leafPlan.Samples == 0 ? null : leafPlan.Backward, dp, iteration);
        var leaf = leafPlan.Finish();
        return pg with
        {
            Loss = pg.Loss + leaf.Loss,
            TrainingForwards = pg.TrainingForwards + leaf.TrainingForwards,
        };
    }

    public void Dispose() => leafTerm.Dispose();
}
