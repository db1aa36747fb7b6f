namespace Arbor.Tensors.Distributed;

/// <summary>How <see cref="ProcessGroup.AllReduce"/> combines the ranks' tensors (codes mirrored by the shim).</summary>
public enum ReduceOp
{
    /// <summary>The elementwise sum over all ranks.</summary>
    Sum = 0,

    /// <summary>The elementwise mean over all ranks: the sum, then divided by the world size (floating-point tensors).</summary>
    Mean = 1,
}
