using Arbor.Rollouts;
using Arbor.Tensors;

namespace Arbor.Strategies;

/// <summary>One training forward, as a strategy's <see cref="ILossShaping.ExtraLoss"/> sees it: source nodes of one step,
/// their states [N, ...] and the model's conditional v_θ (not the guided v).</summary>
public sealed record TrainingStepBatch(int Step, double Time, IReadOnlyList<RolloutNode> Sources, Tensor Velocity, Tensor States);
