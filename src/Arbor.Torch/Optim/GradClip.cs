using Arbor.Tensors.Native;

namespace Arbor.Tensors.Optim;

public static unsafe class GradClip
{
    /// <summary>
    /// Scales all gradients together so their joint L2 norm is at most <paramref name="maxNorm"/>
    /// (torch.nn.utils.clip_grad_norm_). Returns the norm before clipping: NaN or ∞ there means the
    /// step should be skipped.
    /// </summary>
    public static double ClipByGlobalNorm(IEnumerable<Tensor> parameters, double maxNorm)
    {
        var list = parameters.ToList();
        var handles = list.Select(p => p.Handle).ToArray();
        double total;
        fixed (IntPtr* p = handles) Check.Status(NativeMethods.arb_clip_grad_norm(p, handles.Length, maxNorm, &total));
        GC.KeepAlive(list);
        return total;
    }
}
