using Arbor.Tensors.NN;

namespace Arbor.Models;

/// <summary>
/// LoRA folded into copies of the weights for a sampling loop (<see cref="LoraInjection.Folded"/>): the adapters cost a
/// third of an adapted linear's products at rank 16 on the shipped DiT's width 128, and about a fifth of a guided
/// sampling step measured (docs/BENCHMARKS.md). Only where nothing reads a log-probability back for a ratio: the folded
/// product rounds differently from the adapter's, so a policy-gradient rollout would not give ρ = 1 at its first update.
/// </summary>
public static class AdapterFolding
{
    /// <summary>Folds <paramref name="model"/>'s adapters until disposed; null for a model that is not a module.</summary>
    public static IDisposable? Folded(IVelocityModel model) => model is Module module ? LoraInjection.Folded(module) : null;
}
