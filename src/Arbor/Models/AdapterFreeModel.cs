using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Models;

/// <summary>
/// The base of a LoRA-adapted model: the same module, its adapters switched off for the length of each call and back on
/// after it, so no second copy of the weights is held. What it returns carries no gradient to the adapters (they were
/// off), so it serves as a fixed reference: CFG's unconditional branch from the base (UnconditionalBranch.Base), or a
/// pull toward the base.
/// </summary>
public sealed class AdapterFreeModel(IVelocityModel adapted) : IVelocityModel
{
    private readonly Module _module = adapted as Module
        ?? throw new ArgumentException($"{adapted.GetType().Name} is not a module: its adapters cannot be switched off", nameof(adapted));

    public INoiseProcess Process => adapted.Process;

    public long[] SampleShape => adapted.SampleShape;

    public Tensor Velocity(Tensor x, Tensor t, TextConditioning condition) => Off(() => adapted.Velocity(x, t, condition));

    public IPreparedText PrepareText(TextConditioning conditions) => Off(() => adapted.PrepareText(conditions));

    public Tensor Velocity(Tensor x, Tensor t, IPreparedText text, Tensor? rows) => Off(() => adapted.Velocity(x, t, text, rows));

    private T Off<T>(Func<T> call)
    {
        LoraInjection.SetEnabled(_module, false);
        try { return call(); }
        finally { LoraInjection.SetEnabled(_module, true); }
    }
}
