using Arbor.Tensors;

namespace Arbor.Models;

/// <summary>
/// Flow matching (ALGORITHMS.md §1): x_t = (1 − t)·x0 + t·ε, target v = ε − x0, x̂0 = x_t − t·v. The expressions are
/// the ones the flow code used before the kinds existed, term for term, so flow runs are unchanged bit for bit.
/// </summary>
public sealed class FlowMatchingProcess : INoiseProcess
{
    public static FlowMatchingProcess Instance { get; } = new();

    private FlowMatchingProcess() { }

    public ModelKind Kind => ModelKind.Flow;

    public Tensor Noised(Tensor x0, Tensor noise, Tensor t)
    {
        using var scope = Torch.NewScope();
        var tb = t.PerSampleLike(x0);
        return scope.MoveToOuter(x0 * (1 - tb) + noise * tb);
    }

    public Tensor Target(Tensor x0, Tensor noise, Tensor t) => noise - x0;

    public Tensor CleanEstimate(Tensor x, Tensor prediction, Tensor t)
    {
        using var scope = Torch.NewScope();
        return scope.MoveToOuter(x - t.PerSampleLike(x) * prediction);
    }

    public Tensor PredictionFor(Tensor x, Tensor x0, Tensor t)
    {
        using var scope = Torch.NewScope();
        return scope.MoveToOuter((x - x0) / t.PerSampleLike(x));
    }

    public double CleanEstimateSlope(double t) => -t;
}
