using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Training;

/// <summary>
/// An exponential moving average of a model's trainable parameters, θ_ema ← θ_ema + (1 − decay)·(θ − θ_ema),
/// kept as a separate copy (evaluation and the shipped weights use it). Buffers are not averaged.
/// </summary>
public sealed class ExponentialMovingAverage : IDisposable
{
    private readonly List<(string Name, Tensor Live, Tensor Shadow)> _pairs = new();

    public ExponentialMovingAverage(Module model, double decay)
    {
        if (decay is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(decay), decay, "EMA decay must be in [0, 1)");
        Decay = decay;
        using var noGrad = Torch.NoGrad();
        foreach (var (name, p) in model.NamedParameters(trainableOnly: true))
            _pairs.Add((name, p, p.Detach().Clone().DetachFromScope()));
    }

    public double Decay { get; }

    public void Update()
    {
        using var noGrad = Torch.NoGrad();
        foreach (var (_, live, shadow) in _pairs) shadow.LerpInPlace(live, 1 - Decay);
    }

    /// <summary>The averaged weights by parameter name (borrowed; do not dispose).</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict() => _pairs.ToDictionary(p => p.Name, p => p.Shadow);

    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        using var noGrad = Torch.NoGrad();
        foreach (var (name, _, shadow) in _pairs)
        {
            if (!state.TryGetValue(name, out var t)) throw new ArgumentException($"EMA state is missing '{name}'");
            if (!t.Shape.SequenceEqual(shadow.Shape)) throw new ArgumentException($"EMA state '{name}' has shape [{string.Join(", ", t.Shape)}], expected [{string.Join(", ", shadow.Shape)}]");
            shadow.CopyFrom(t);
        }
    }

    /// <summary>Copies the averaged weights into <paramref name="model"/> (e.g. an evaluation copy).</summary>
    public void CopyTo(Module model) => model.LoadStateDict(StateDict(), strict: false);

    public void Dispose()
    {
        foreach (var (_, _, shadow) in _pairs) shadow.Dispose();
        _pairs.Clear();
    }
}
