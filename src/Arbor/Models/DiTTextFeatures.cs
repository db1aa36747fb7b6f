using Arbor.Tensors;

namespace Arbor.Models;

/// <summary>
/// <see cref="FlowDiT"/>'s x- and t-independent features of R conditionings: the projected pooled vectors
/// [R, D], every block's cross-attention keys and values [2, R, heads, L, D/heads] and the text mask [R, L].
/// Owns its tensors, outside any scope (they carry gradients when prepared with gradients enabled):
/// dispose it.
/// </summary>
public sealed class DiTTextFeatures : IPreparedText
{
    internal DiTTextFeatures(FlowDiT owner, Tensor pooled, IReadOnlyList<Tensor> keysValues, Tensor mask)
    {
        Owner = owner;
        Pooled = pooled.DetachFromScope();
        KeysValues = keysValues.Select(kv => kv.DetachFromScope()).ToList();
        Mask = mask.DetachFromScope();
    }

    internal FlowDiT Owner { get; }
    public Tensor Pooled { get; }
    public IReadOnlyList<Tensor> KeysValues { get; }
    public Tensor Mask { get; }
    public long Rows => Pooled.Size(0);

    public void Dispose()
    {
        Pooled.Dispose();
        foreach (var kv in KeysValues) kv.Dispose();
        Mask.Dispose();
    }
}
