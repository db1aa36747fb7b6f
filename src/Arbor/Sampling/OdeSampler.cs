using Arbor.Models;
using Arbor.Tensors;

namespace Arbor.Sampling;

/// <summary>
/// The integration loop every ODE sampler shares: from t_0 = 1 to t_T = 0, one <see cref="Step"/> per
/// interval, each step's temporaries freed before the next.
/// </summary>
public abstract class OdeSampler : IOdeSampler
{
    public abstract string Name { get; }
    /// <summary>Flow by default: Euler and Heun integrate a velocity.</summary>
    public virtual ModelKind Kind => ModelKind.Flow;
    public abstract int Evaluations(TimeSchedule schedule);

    /// <summary>x_{i+1} from x_i over [t_i, t_{i+1}] (temporaries may stay in the current scope).</summary>
    protected abstract Tensor Step(GuidedVelocity velocity, Tensor x, TimeSchedule schedule, int i);

    public Tensor Sample(GuidedVelocity velocity, Tensor noise, TimeSchedule schedule)
    {
        ModelKinds.Require(Kind, schedule.Process.Kind, $"the {Name} sampler", "the schedule's model");
        using var noGrad = Torch.NoGrad();
        var x = noise.Alias().DetachFromScope();
        for (int i = 0; i < schedule.Steps; i++)
        {
            using var scope = Torch.NewScope();
            var next = Step(velocity, x, schedule, i).DetachFromScope();
            x.Dispose();
            x = next;
        }
        TensorScope.Current?.Register(x);
        return x;
    }
}
