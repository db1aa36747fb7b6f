using System.Runtime.Serialization;

namespace Arbor.Models;

/// <summary>
/// What a generator's network predicts and along which noising path (recorded as <c>kind:</c> in a model directory's
/// model.yaml; a directory written before the key existed holds a flow model). The kind decides how a prediction is read
/// (<see cref="INoiseProcess"/>) and which denoising steps may advance its samples; the RL strategies are the same for both.
/// </summary>
public enum ModelKind
{
    /// <summary>Flow matching (ALGORITHMS.md §1): x_t = (1 − t)·x0 + t·ε, the network predicts v ≈ ε − x0.</summary>
    [EnumMember(Value = "flow")] Flow,
    /// <summary>
    /// ε-prediction diffusion on a discrete DDPM schedule (ALGORITHMS.md §6): x_t = sqrt(ᾱ(t))·x0 + sqrt(1 − ᾱ(t))·ε, the
    /// network predicts ε; sampled by DDIM.
    /// </summary>
    [EnumMember(Value = "epsilon")] Epsilon,
}

/// <summary>Names of the kinds in messages, and the error for a step, sampler or file of one kind used with the other.</summary>
public static class ModelKinds
{
    /// <summary>"a flow-matching (flow) model" or "an ε-prediction diffusion (epsilon) model": the YAML name in brackets.</summary>
    public static string Describe(ModelKind kind) => kind switch
    {
        ModelKind.Flow => "a flow-matching (flow) model",
        ModelKind.Epsilon => "an ε-prediction diffusion (epsilon) model",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown model kind"),
    };

    /// <summary>
    /// Throws <see cref="ModelKindMismatchException"/> unless <paramref name="actual"/> is <paramref name="required"/>:
    /// "<paramref name="what"/> is for a flow-matching (flow) model, but <paramref name="subject"/> is an ε-prediction
    /// diffusion (epsilon) model", plus <paramref name="remedy"/> when given.
    /// </summary>
    public static void Require(ModelKind required, ModelKind actual, string what, string subject = "the model", string remedy = "")
    {
        if (required == actual) return;
        throw new ModelKindMismatchException(
            $"{what} is for {Describe(required)}, but {subject} is {Describe(actual)}" + (remedy.Length > 0 ? $": {remedy}" : ""));
    }
}

/// <summary>A step, sampler, objective or model directory of one <see cref="ModelKind"/> used with a model of the other.</summary>
public sealed class ModelKindMismatchException(string message) : InvalidOperationException(message);
