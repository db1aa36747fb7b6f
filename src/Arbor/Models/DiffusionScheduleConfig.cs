using System.Runtime.Serialization;

namespace Arbor.Models;

/// <summary>
/// The discrete DDPM noise schedule of an ε-prediction model (<see cref="ModelKind.Epsilon"/>): N training timesteps,
/// β_1 … β_N and ᾱ_n = Π_{k ≤ n} (1 − β_k). The defaults are DDPM's own (Ho et al. 2020: linear β from 1e-4 to 0.02 over
/// 1,000 steps), trained in pixel space on 32x32 images as Shapes is.
/// </summary>
public sealed record DiffusionScheduleConfig
{
    /// <summary>linear (default, DDPM) or cosine (Nichol &amp; Dhariwal 2021).</summary>
    public AlphaBarShape Schedule { get; init; } = AlphaBarShape.Linear;
    /// <summary>Training timesteps N (DDPM: 1000). A sampler's grid of T steps lands on integer timesteps when T divides N.</summary>
    public int Timesteps { get; init; } = 1000;
    /// <summary>β_1 of the linear schedule (DDPM: 1e-4).</summary>
    public double BetaStart { get; init; } = 1e-4;
    /// <summary>β_N of the linear schedule (DDPM: 0.02).</summary>
    public double BetaEnd { get; init; } = 0.02;
    /// <summary>s of the cosine schedule, ᾱ ∝ cos²((n/N + s)/(1 + s)·π/2) (Nichol &amp; Dhariwal: 0.008).</summary>
    public double CosineOffset { get; init; } = 0.008;
    /// <summary>Largest β of the cosine schedule (Nichol &amp; Dhariwal: 0.999), so ᾱ_N stays above 0.</summary>
    public double MaxBeta { get; init; } = 0.999;

    public IEnumerable<string> Problems()
    {
        if (Timesteps < 1) yield return "timesteps must be >= 1";
        if (Schedule == AlphaBarShape.Linear && !(BetaStart > 0 && BetaEnd >= BetaStart && BetaEnd < 1))
            yield return $"linear betas must satisfy 0 < beta_start <= beta_end < 1 (got {BetaStart}, {BetaEnd})";
        if (Schedule == AlphaBarShape.Cosine && !(CosineOffset >= 0)) yield return "cosine_offset must be >= 0";
        if (Schedule == AlphaBarShape.Cosine && !(MaxBeta > 0 && MaxBeta < 1)) yield return "max_beta must be in (0, 1)";
    }
}

/// <summary>How ᾱ falls over the DDPM timesteps.</summary>
public enum AlphaBarShape
{
    /// <summary>β linear in n (DDPM).</summary>
    [EnumMember(Value = "linear")] Linear,
    /// <summary>ᾱ_n = f(n/N)/f(0), f(τ) = cos²((τ + s)/(1 + s)·π/2), β clipped at max_beta (improved DDPM).</summary>
    [EnumMember(Value = "cosine")] Cosine,
}
