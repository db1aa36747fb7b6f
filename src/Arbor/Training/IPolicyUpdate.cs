using Arbor.Advantages;
using Arbor.Models;
using Arbor.Rollouts;
using Arbor.Tensors.Optim;

namespace Arbor.Training;

/// <summary>
/// The loss seam of an iteration: what turns a scored rollout into an optimizer step. The policy-gradient loss of
/// the GRPO family (<see cref="PolicyTrainer"/>: per-edge ratios and clipping) and the forward-process losses
/// (<see cref="ForwardProcessTrainer"/>: the leaves' clean images under the pretraining loss) implement it, chosen when the
/// run is built (<see cref="PolicyUpdates.Create"/>).
/// </summary>
public interface IPolicyUpdate
{
    /// <summary>
    /// The policy the rollout samples from, applied until the returned scope is disposed (DiffusionNFT's old policy),
    /// or null to sample from the current weights.
    /// </summary>
    IDisposable? RolloutPolicy() => null;

    /// <summary>
    /// Whether the update reads the rollout's log-probabilities back (a ratio to its first update): then the rollout must
    /// compute its products as training does, and its adapters are not folded (<see cref="AdapterFolding"/>).
    /// </summary>
    bool UsesRolloutLogProbs => true;

    /// <summary>
    /// Updates the weights on iteration <paramref name="iteration"/>'s scored rollout (edges carry their advantages). With
    /// <paramref name="parallel"/> over several ranks, <paramref name="forest"/> is this rank's share: the gradients are
    /// summed across ranks before each step and the statistics returned are the iteration's, the same on every rank.
    /// </summary>
    PolicyUpdateStats Update(long iteration, RolloutForest forest, AdvantageResult advantages,
        PromptConditioning conditioning, Optimizer optimizer,
        Distributed.DataParallel? parallel = null);

    /// <summary>Weights the update keeps between iterations (the old policy), saved in checkpoints; null when none.</summary>
    ExponentialMovingAverage? State => null;
}
