using Arbor.Models;
using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Pretraining;

/// <summary>
/// The pretraining loss of either model kind, E‖f_θ(x_t, t, c) − target‖² with x_t and the target from the model's
/// <see cref="INoiseProcess"/>: for a flow model the rectified-flow loss (ALGORITHMS.md §1: x_t = (1 − t)·x0 + t·ε,
/// target ε − x0, t logit-normal), for an ε-model DDPM's simple loss (x_t = sqrt(ᾱ)·x0 + sqrt(1 − ᾱ)·ε, target ε,
/// the timestep uniform over 1 … N). All randomness comes from the given generator.
/// </summary>
public static class DenoisingObjective
{
    /// <summary>t = sigmoid(mean + std·z), z ~ N(0, 1) (SD3's logit-normal sampling; a flow model's times).</summary>
    public static Tensor SampleTimes(long batch, double mean, double std, Generator generator)
    {
        using var scope = Torch.NewScope();
        return scope.MoveToOuter((Torch.Randn([batch], generator) * std + mean).Sigmoid());
    }

    /// <summary>Training times for a model of <paramref name="process"/>: logit-normal (mean, std) for flow, uniform
    /// timesteps for an ε-model (which ignores mean and std).</summary>
    public static Tensor SampleTimes(INoiseProcess process, long batch, double mean, double std, Generator generator) =>
        process is DdpmProcess ddpm ? ddpm.SampleTimes(batch, generator) : SampleTimes(batch, mean, std, generator);

    public static Tensor Loss(IVelocityModel model, Tensor x0, Tensor t, Tensor noise, TextConditioning condition)
    {
        using var scope = Torch.NewScope();
        var process = model.Process;
        var xt = process.Noised(x0, noise, t);
        return scope.MoveToOuter(F.MseLoss(model.Velocity(xt, t, condition), process.Target(x0, noise, t)));
    }
}
