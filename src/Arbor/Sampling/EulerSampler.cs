using Arbor.Tensors;

namespace Arbor.Sampling;

/// <summary>Euler's method: x_{i+1} = x_i + v(x_i, t_i)·Δ_i (ALGORITHMS.md §2, "ODE").</summary>
public sealed class EulerSampler : IOdeSampler
{
    public string Name => "euler";
    public int EvaluationsPerStep => 1;

    public Tensor Sample(GuidedVelocity velocity, Tensor noise, TimeSchedule schedule)
    {
        using var noGrad = Torch.NoGrad();
        var x = noise.Alias().DetachFromScope();
        for (int i = 0; i < schedule.Steps; i++)
        {
            using var scope = Torch.NewScope();
            var next = (x + velocity.At(x, schedule.Times[i]) * schedule.Delta(i)).DetachFromScope();
            x.Dispose();
            x = next;
        }
        TensorScope.Current?.Register(x);
        return x;
    }
}
