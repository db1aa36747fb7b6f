using Arbor.Tensors.Native;

namespace Arbor.Tensors;

public sealed partial class Tensor
{
    private unsafe Tensor Reduce(ReduceOp op, long[]? dims, bool keepDim, bool unbiased = true)
    {
        dims ??= [];
        IntPtr r;
        fixed (long* p = dims) r = NativeMethods.arb_reduce((int)op, Handle, p, dims.Length, keepDim ? 1 : 0, unbiased ? 1 : 0);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    /// <summary>Sum of all elements (a scalar tensor).</summary>
    public Tensor Sum() => Reduce(ReduceOp.Sum, null, false);
    public Tensor Sum(long dim, bool keepDim = false) => Reduce(ReduceOp.Sum, [dim], keepDim);
    public Tensor Sum(long[] dims, bool keepDim = false) => Reduce(ReduceOp.Sum, dims, keepDim);

    public Tensor Mean() => Reduce(ReduceOp.Mean, null, false);
    public Tensor Mean(long dim, bool keepDim = false) => Reduce(ReduceOp.Mean, [dim], keepDim);
    public Tensor Mean(long[] dims, bool keepDim = false) => Reduce(ReduceOp.Mean, dims, keepDim);

    /// <summary>Variance; <paramref name="unbiased"/> divides by n − 1 (Bessel), as torch.var.</summary>
    public Tensor Var(bool unbiased = true) => Reduce(ReduceOp.Var, null, false, unbiased);
    public Tensor Var(long dim, bool unbiased = true, bool keepDim = false) => Reduce(ReduceOp.Var, [dim], keepDim, unbiased);
    public Tensor Var(long[] dims, bool unbiased = true, bool keepDim = false) => Reduce(ReduceOp.Var, dims, keepDim, unbiased);

    public Tensor Std(bool unbiased = true) => Reduce(ReduceOp.Std, null, false, unbiased);
    public Tensor Std(long dim, bool unbiased = true, bool keepDim = false) => Reduce(ReduceOp.Std, [dim], keepDim, unbiased);
    public Tensor Std(long[] dims, bool unbiased = true, bool keepDim = false) => Reduce(ReduceOp.Std, dims, keepDim, unbiased);

    /// <summary>Largest element (amax: the gradient is shared evenly among ties).</summary>
    public Tensor Max() => Reduce(ReduceOp.AMax, null, false);
    public Tensor Max(long dim, bool keepDim = false) => Reduce(ReduceOp.AMax, [dim], keepDim);
    public Tensor Min() => Reduce(ReduceOp.AMin, null, false);
    public Tensor Min(long dim, bool keepDim = false) => Reduce(ReduceOp.AMin, [dim], keepDim);

    /// <summary>Index of the largest element of the flattened tensor.</summary>
    public Tensor ArgMax() => Reduce(ReduceOp.ArgMax, null, false);
    public Tensor ArgMax(long dim, bool keepDim = false) => Reduce(ReduceOp.ArgMax, [dim], keepDim);
    public Tensor ArgMin() => Reduce(ReduceOp.ArgMin, null, false);
    public Tensor ArgMin(long dim, bool keepDim = false) => Reduce(ReduceOp.ArgMin, [dim], keepDim);

    public Tensor Prod() => Reduce(ReduceOp.Prod, null, false);
    public Tensor LogSumExp(long dim, bool keepDim = false) => Reduce(ReduceOp.LogSumExp, [dim], keepDim);
    public Tensor Any() => Reduce(ReduceOp.Any, null, false);
    public Tensor All() => Reduce(ReduceOp.All, null, false);

    /// <summary>Euclidean norm of all elements.</summary>
    public Tensor Norm() => Reduce(ReduceOp.Norm2, null, false);
    public Tensor Norm(long dim, bool keepDim = false) => Reduce(ReduceOp.Norm2, [dim], keepDim);
}
