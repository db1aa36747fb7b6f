using Arbor.Tensors;

namespace Arbor.Models;

/// <summary>
/// ε-prediction diffusion on a discrete DDPM schedule (ALGORITHMS.md §6): x_t = sqrt(ᾱ(t))·x0 + sqrt(1 − ᾱ(t))·ε, the
/// network predicts ε, x̂0 = (x_t − sqrt(1 − ᾱ)·ε̂)/sqrt(ᾱ).
/// <para>
/// Time: t ∈ [0, 1] is the fraction of the N training timesteps, τ = t·N, and the network sees t itself (its timestep
/// embedding reads 1000·t, so with N = 1000 it is DDPM's own timestep). ᾱ(t) is the schedule's ᾱ_τ at integer τ, with
/// ᾱ_0 = 1 (data), and between two integers log ᾱ is interpolated linearly, so a time-shifted or jittered t has an ᾱ
/// between its neighbours'. Pretraining draws τ uniformly from {1, …, N} (DDPM); a sampler's T-step grid
/// t_i = 1 − i/T visits integer timesteps when T divides N (40 and 10 do for N = 1000), from τ = N to the data at τ = 0.
/// </para>
/// </summary>
public sealed class DdpmProcess : INoiseProcess
{
    private readonly double[] _logAlphaBar;   // log ᾱ_n, n = 0 … N (ᾱ_0 = 1)

    public DdpmProcess(DiffusionScheduleConfig config)
    {
        var problems = config.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException("diffusion schedule: " + string.Join("; ", problems));
        Config = config;
        int n = config.Timesteps;
        _logAlphaBar = new double[n + 1];
        for (int k = 1; k <= n; k++) _logAlphaBar[k] = _logAlphaBar[k - 1] + Math.Log(1 - Beta(config, k));
    }

    public DiffusionScheduleConfig Config { get; }
    public ModelKind Kind => ModelKind.Epsilon;
    /// <summary>N, the training timesteps.</summary>
    public int Timesteps => Config.Timesteps;

    /// <summary>β_k, k = 1 … N.</summary>
    private static double Beta(DiffusionScheduleConfig c, int k)
    {
        int n = c.Timesteps;
        if (c.Schedule == AlphaBarShape.Linear)
            return n == 1 ? c.BetaStart : c.BetaStart + (c.BetaEnd - c.BetaStart) * (k - 1) / (n - 1);
        double F(double tau) => Math.Pow(Math.Cos((tau + c.CosineOffset) / (1 + c.CosineOffset) * Math.PI / 2), 2);
        return Math.Min(1 - F((double)k / n) / F((double)(k - 1) / n), c.MaxBeta);
    }

    /// <summary>ᾱ at time t ∈ [0, 1] (log-linear between integer timesteps; ᾱ(0) = 1).</summary>
    public double AlphaBar(double t)
    {
        if (!(t >= 0 && t <= 1)) throw new ArgumentOutOfRangeException(nameof(t), t, "diffusion time must be in [0, 1]");
        double tau = t * Timesteps;
        int low = Math.Min((int)Math.Floor(tau), Timesteps - 1);
        double frac = tau - low;
        return Math.Exp((1 - frac) * _logAlphaBar[low] + frac * _logAlphaBar[low + 1]);
    }

    /// <summary>Training times t = n/N with n uniform in {1, …, N} (DDPM's timestep sampling).</summary>
    public Tensor SampleTimes(long batch, Generator generator)
    {
        using var scope = Torch.NewScope();
        var n = (Torch.Rand([batch], generator) * Timesteps).Floor().Clamp(0, Timesteps - 1) + 1;
        return scope.MoveToOuter(n / Timesteps);
    }

    public Tensor Noised(Tensor x0, Tensor noise, Tensor t)
    {
        using var scope = Torch.NewScope();
        var (signal, sigma) = Coefficients(t, x0);
        return scope.MoveToOuter(x0 * signal + noise * sigma);
    }

    public Tensor Target(Tensor x0, Tensor noise, Tensor t) => noise.Alias();

    public Tensor CleanEstimate(Tensor x, Tensor prediction, Tensor t)
    {
        using var scope = Torch.NewScope();
        var (signal, sigma) = Coefficients(t, x);
        return scope.MoveToOuter((x - prediction * sigma) / signal);
    }

    public Tensor PredictionFor(Tensor x, Tensor x0, Tensor t)
    {
        using var scope = Torch.NewScope();
        var (signal, sigma) = Coefficients(t, x);
        return scope.MoveToOuter((x - x0 * signal) / sigma);
    }

    public double CleanEstimateSlope(double t)
    {
        double a = AlphaBar(t);
        return -Math.Sqrt((1 - a) / a);
    }

    /// <summary>sqrt(ᾱ) and sqrt(1 − ᾱ) per sample, float32 [B, 1, …, 1] on <paramref name="like"/>'s device.</summary>
    private (Tensor Signal, Tensor Sigma) Coefficients(Tensor t, Tensor like)
    {
        var a = t.Flatten().ToDoubleArray().Select(AlphaBar).ToArray();
        long[] shape = [a.Length, .. Enumerable.Repeat(1L, like.Dim - 1)];
        var signal = Torch.FromArray(a.Select(v => (float)Math.Sqrt(v)).ToArray(), shape, like.Device);
        var sigma = Torch.FromArray(a.Select(v => (float)Math.Sqrt(1 - v)).ToArray(), shape, like.Device);
        return (signal, sigma);
    }
}
