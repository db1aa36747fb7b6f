using System.Runtime.Serialization;

namespace Arbor.Training;

/// <summary>What the replay term (<see cref="ReplayConfig"/>) regresses the model's prediction on a noised data image onto.</summary>
public enum ReplayTarget
{
    /// <summary>The pretraining loss's own target (ε − x0 for a flow model, ε for an ε-model): PPO-ptx as InstructGPT has it.</summary>
    [EnumMember(Value = "data")] Data,

    /// <summary>
    /// The base model's prediction at the same noised input (the LoRA switched off): the same pull in expectation, since
    /// the base was trained to predict the data target's conditional mean there, without the data target's noise
    /// (a single ε per image makes the flow-matching target's variance far larger than the drift it corrects). At the
    /// base the term and its gradient are exactly zero, so it adds no noise of its own; it needs LoRA.
    /// </summary>
    [EnumMember(Value = "base")] Base,
}
