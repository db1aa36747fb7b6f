namespace Arbor.Tensors.Optim;

/// <summary>A learning rate as a function of the optimizer step (0-based).</summary>
public interface ILrSchedule
{
    double At(long step);
}

/// <summary>The same rate at every step.</summary>
public sealed record ConstantLr(double Rate) : ILrSchedule
{
    public double At(long step) => Rate;
}

/// <summary>Linear ramp from Rate/WarmupSteps to Rate over the first WarmupSteps steps, then constant.</summary>
public sealed record LinearWarmupLr(double Rate, long WarmupSteps) : ILrSchedule
{
    public double At(long step) => WarmupSteps > 0 && step < WarmupSteps ? Rate * (step + 1) / WarmupSteps : Rate;
}

/// <summary>
/// Linear warm-up, then half a cosine from Rate down to MinRate at TotalSteps (held there after), as
/// the usual pretraining schedule.
/// </summary>
public sealed record WarmupCosineLr(double Rate, long WarmupSteps, long TotalSteps, double MinRate = 0) : ILrSchedule
{
    public double At(long step)
    {
        if (WarmupSteps > 0 && step < WarmupSteps) return Rate * (step + 1) / WarmupSteps;
        long span = Math.Max(1, TotalSteps - WarmupSteps);
        double progress = Math.Clamp((double)(step - WarmupSteps) / span, 0, 1);
        return MinRate + (Rate - MinRate) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
