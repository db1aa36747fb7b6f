using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Models;

/// <summary>
/// An exponential moving average of a model's trainable parameters, θ_ema ← θ_ema + (1 − d_n)·(θ − θ_ema),
/// kept as a separate copy (evaluation and the shipped weights use it). Buffers are not averaged. The
/// decay warms up, d_n = min(decay, (1 + n)/(10 + n)) at update n (as diffusers' EMA): with a constant
/// 0.998 the random initialization would still weigh 0.998^1000 ≈ 13.5% after 1,000 steps, and its
/// zero-initialized output layers shrink every predicted velocity (measured: noisy samples at step 1000).
/// </summary>
public sealed class ExponentialMovingAverage : IDisposable
{
    private readonly List<(string Name, Tensor Live, Tensor Shadow)> _pairs = new();
    private readonly Func<long, double>? _schedule;

    public ExponentialMovingAverage(Module model, double decay) : this(model, decay, null) { }

    /// <summary>An average whose decay at update n is <paramref name="schedule"/>(n)
    /// (each value in [0, 1)), e.g. DiffusionNFT's old policy.</summary>
    public ExponentialMovingAverage(Module model, Func<long, double> schedule) : this(model, 0, schedule) { }

    private ExponentialMovingAverage(Module model, double decay, Func<long, double>? schedule)
    {
        if (decay is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(decay), decay, "EMA decay must be in [0, 1)");
        Decay = decay;
        _schedule = schedule;
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();
        foreach (var (name, p) in model.NamedParameters(trainableOnly: true))
            _pairs.Add((name, p, p.Detach().Clone().DetachFromScope()));
    }

    public double Decay { get; }

    /// <summary>The decay used at update <paramref name="n"/> (0-based).</summary>
    public double DecayAt(long n) => _schedule?.Invoke(n) ?? Math.Min(Decay, (1.0 + n) / (10.0 + n));

    /// <summary>Averages in the current weights as update number <paramref name="n"/> (the optimizer step).</summary>
    public void Update(long n)
    {
        double d = DecayAt(n);
        using var noGrad = Torch.NoGrad();
        foreach (var (_, live, shadow) in _pairs) shadow.LerpInPlace(live, 1 - d);
    }

    /// <summary>The averaged weights by parameter name (borrowed; do not dispose).</summary>
    public IReadOnlyDictionary<string, Tensor> StateDict() => _pairs.ToDictionary(p => p.Name, p => p.Shadow);

    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        using var noGrad = Torch.NoGrad();
        foreach (var (name, _, shadow) in _pairs)
        {
            if (!state.TryGetValue(name, out var t)) throw new ArgumentException($"EMA state is missing '{name}'");
            if (!t.Shape.SequenceEqual(shadow.Shape))
            {
                throw new ArgumentException($"EMA state '{name}' has shape [{string.Join(", ", t.Shape)}], expected " +
                    $"[{string.Join(", ", shadow.Shape)}]");
            }
            shadow.CopyFrom(t);
        }
    }

    /// <summary>
    /// Puts the averaged weights into the live parameters until the returned scope is disposed, which
    /// restores the live weights bit for bit (RL evaluates the EMA in place: no second model in memory).
    /// </summary>
    public IDisposable Applied()
    {
        using var noGrad = Torch.NoGrad();
        using var scope = Torch.NewScope();   // frees the detached views; the clones leave it
        var stash = new List<Tensor>(_pairs.Count);
        foreach (var (_, live, shadow) in _pairs)
        {
            stash.Add(live.Detach().Clone().DetachFromScope());
            live.CopyFrom(shadow);
        }
        return new Restore(_pairs, stash);
    }

    private sealed class Restore(List<(string Name, Tensor Live, Tensor Shadow)> pairs, List<Tensor> stash) : IDisposable
    {
        public void Dispose()
        {
            if (stash.Count == 0) return;
            using var noGrad = Torch.NoGrad();
            for (int i = 0; i < pairs.Count; i++) pairs[i].Live.CopyFrom(stash[i]);
            foreach (var t in stash) t.Dispose();
            stash.Clear();
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
