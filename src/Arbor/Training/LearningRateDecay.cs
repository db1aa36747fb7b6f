using System.Runtime.Serialization;

namespace Arbor.Training;

/// <summary>How the policy's learning rate moves over a run's iterations (<see cref="OptimConfig.Decay"/>).</summary>
public enum LearningRateDecay
{
    /// <summary>optim.learning_rate throughout (Flow-GRPO, DiffusionNFT and the other anchors' RL scripts).</summary>
    [EnumMember(Value = "constant")] Constant,

    /// <summary>
    /// Half a cosine from optim.learning_rate at iteration 0 to optim.min_learning_rate at optim.decay_iterations
    /// (default train.iterations). Why: past about 120 iterations the rewarded runs stop gaining on average while their
    /// seeds scatter (+10.9, +4.2 and +1.8 at 240), the picture of an update whose noise keeps the policy moving around
    /// a plateau; a falling step size shrinks that motion at the end, where a constant one keeps it
    /// (docs/BENCHMARKS.md). The rate is a function of the iteration, never of the clock, so a resumed run reproduces;
    /// a run bounded by minutes names its horizon in optim.decay_iterations.
    /// </summary>
    [EnumMember(Value = "cosine")] Cosine,
}
