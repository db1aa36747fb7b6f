using Arbor.Models;
using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Pretraining;

/// <summary>
/// The rectified-flow loss (ALGORITHMS.md §1): x_t = (1 − t)·x0 + t·ε with t ~ logit-normal, and
/// E‖v_θ(x_t, t, c) − (ε − x0)‖². All randomness comes from the given generator.
/// </summary>
public static class FlowMatchingObjective
{
    /// <summary>t = sigmoid(mean + std·z), z ~ N(0, 1) (SD3's logit-normal sampling).</summary>
    public static Tensor SampleTimes(long batch, double mean, double std, Generator generator)
    {
        using var scope = Torch.NewScope();
        return scope.MoveToOuter((Torch.Randn([batch], generator) * std + mean).Sigmoid());
    }

    public static Tensor Loss(IVelocityModel model, Tensor x0, Tensor t, Tensor noise, TextConditioning condition)
    {
        using var scope = Torch.NewScope();
        var tt = t.Reshape([t.Size(0), .. Enumerable.Repeat(1L, x0.Dim - 1)]);
        var xt = (1 - tt) * x0 + tt * noise;
        return scope.MoveToOuter(F.MseLoss(model.Velocity(xt, t, condition), noise - x0));
    }
}
