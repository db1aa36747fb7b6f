using Arbor.Models;
using Arbor.Rollouts;
using Arbor.Tensors;

namespace Arbor.Strategies;

/// <summary>One training forward, as a strategy's <see cref="ILossShaping.ExtraLoss"/> sees it: source nodes of one step,
/// their states [N, ...], the model's conditional prediction v_θ (not the guided one) and the model's noise process,
/// which reads it (a velocity, or ε̂ for an ε-model).</summary>
public sealed record TrainingStepBatch(int Step, double Time, IReadOnlyList<RolloutNode> Sources, Tensor Velocity, Tensor States,
    INoiseProcess Process);
