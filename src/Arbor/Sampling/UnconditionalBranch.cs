using System.Runtime.Serialization;

namespace Arbor.Sampling;

/// <summary>Which model predicts classifier-free guidance's unconditional branch v_u when a LoRA adapts the model.</summary>
public enum UnconditionalBranch
{
    /// <summary>The adapted model, as every LoRA is used by default: v = v_u,θ + w·(v_c,θ − v_u,θ).</summary>
    [EnumMember(Value = "adapted")] Adapted,

    /// <summary>
    /// The base (adapters off): v = v_u,base + w·(v_c,θ − v_u,base). The forward-process losses train the conditional
    /// velocity alone, so under the adapted form the unconditional branch moves only as a side effect of shared weights,
    /// and guidance scales that drift by w − 1 (2 at CFG 3). With the base's branch the adapter changes v_c alone.
    /// </summary>
    [EnumMember(Value = "base")] Base,
}
