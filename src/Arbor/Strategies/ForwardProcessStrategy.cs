using Arbor.Rollouts;
using Arbor.Sampling.Steps;

namespace Arbor.Strategies;

/// <summary>What every forward-process method (ALGORITHMS.md §5.7) sets: its rollout and which noisings it trains.</summary>
public interface IForwardProcessConfig
{
    /// <summary>Rollout steps T (papers: 10).</summary>
    int Steps { get; }
    /// <summary>Images per prompt.</summary>
    int GroupSize { get; }
    /// <summary>Noised copies of each image trained per iteration, each at one of the rollout's times (without replacement), fresh noise.</summary>
    int TimesPerImage { get; }
    /// <summary>The old (sampling) policy's decay grows as d = min(rate·iteration, max) (<see cref="OldDecaySchedule.Linear"/>).</summary>
    double OldDecayRate { get; }
    /// <summary>How the old policy's decay grows: DiffusionNFT's linear ramp, or the warm-up d = min(max, (1 + n)/(10 + n)).</summary>
    OldDecaySchedule OldDecaySchedule { get; }
    /// <summary>The old policy's largest decay.</summary>
    double OldDecayMax { get; }
    /// <summary>Roll out with the Flow-GRPO SDE instead of the ODE.</summary>
    bool Sde { get; }
    /// <summary>SDE noise level a when <see cref="Sde"/> is set.</summary>
    double NoiseLevel { get; }
}

/// <summary>How a forward-process method's old policy follows the trained weights, per iteration n.</summary>
public enum OldDecaySchedule
{
    /// <summary>d = min(rate·n, max): DiffusionNFT's (rate 0.001, max 0.5), nearly on-policy for the first hundreds of iterations.</summary>
    [System.Runtime.Serialization.EnumMember(Value = "linear")] Linear,
    /// <summary>d = min(max, (1 + n)/(10 + n)): 0.1 at once, max by n = 8 (issue #15's probe).</summary>
    [System.Runtime.Serialization.EnumMember(Value = "warmup")] Warmup,
}

/// <summary>
/// DiffusionNFT (ALGORITHMS.md §5.7; NVlabs/DiffusionNFT) settings. The loss (<see cref="Training.NftLoss"/>) trains on
/// the leaves' clean images, so no edge is trained and no log-probability is needed.
/// </summary>
public sealed record NftConfig : IForwardProcessConfig
{
    public int Steps { get; init; } = 10;
    /// <summary>Images per prompt (paper: 24; 8 on 2 CPU cores, as the measured probe of issue #15).</summary>
    public int GroupSize { get; init; } = 8;
    /// <summary>β of v⁺ = β·v_θ + (1 − β)·v_old and v⁻ = (1 + β)·v_old − β·v_θ (paper: 1).</summary>
    public double Beta { get; init; } = 1.0;
    /// <summary>The paper trains 9 of 10 times; 3 is the measured CPU probe's choice.</summary>
    public int TimesPerImage { get; init; } = 3;
    /// <summary>Weight of mean_D(v_θ − v_ref)², the pull toward the base (paper: 1e-4); 0 skips its forward.</summary>
    public double RefWeight { get; init; } = 1e-4;
    /// <summary>Paper: 0.001 per iteration.</summary>
    public double OldDecayRate { get; init; } = 0.001;
    /// <summary>Paper: 0.5.</summary>
    public double OldDecayMax { get; init; } = 0.5;
    /// <summary>Paper: linear.</summary>
    public OldDecaySchedule OldDecaySchedule { get; init; } = OldDecaySchedule.Linear;
    /// <summary>Paper: ODE rollouts.</summary>
    public bool Sde { get; init; }
    public double NoiseLevel { get; init; } = 0.7;

    public IEnumerable<string> Problems()
    {
        foreach (var p in ForwardProcessStrategy.Problems("nft", this)) yield return p;
        if (Beta <= 0) yield return "nft.beta must be > 0";
        if (RefWeight < 0) yield return "nft.ref_weight must be >= 0";
    }
}

/// <summary>How AWM weights its matching log-likelihood per time (scxue/advantage_weighted_matching).</summary>
public enum AwmWeighting
{
    [System.Runtime.Serialization.EnumMember(Value = "uniform")] Uniform,
    [System.Runtime.Serialization.EnumMember(Value = "t")] T,
    [System.Runtime.Serialization.EnumMember(Value = "t_squared")] TSquared,
    [System.Runtime.Serialization.EnumMember(Value = "ghuber")] Ghuber,
}

/// <summary>
/// Advantage Weighted Matching (ALGORITHMS.md §5.7; scxue/advantage_weighted_matching) settings: the flow-matching
/// loss as a surrogate log-likelihood in the clipped surrogate of §3 (<see cref="Training.AwmLoss"/>).
/// </summary>
public sealed record AwmConfig : IForwardProcessConfig
{
    public int Steps { get; init; } = 10;
    /// <summary>Images per prompt (8 on 2 CPU cores).</summary>
    public int GroupSize { get; init; } = 8;
    public int TimesPerImage { get; init; } = 3;
    /// <summary>
    /// ε of the ratio's clip, ρ = exp(ℓ_θ − ℓ_old) with ℓ = −mean_D(v − (ε − x0))². Arbor's default: the matching
    /// log-likelihood moves far less per step than a Gaussian log-probability scaled by 1/s², so 0.2 (PPO's own) bounds it.
    /// </summary>
    public double ClipRange { get; init; } = 0.2;
    /// <summary>Weight of the velocity-space KL to the reference, mean_D(v_θ − v_ref)² (paper: 0.001-0.003).</summary>
    public double KlWeight { get; init; } = 0.002;
    /// <summary>Weight of the same to the EMA (old) policy (Flow-Factory's default 0).</summary>
    public double EmaKlWeight { get; init; }
    /// <summary>uniform, t, t_squared or ghuber (power <see cref="GhuberPower"/>).</summary>
    public AwmWeighting Weighting { get; init; } = AwmWeighting.Uniform;
    public double GhuberPower { get; init; } = 0.25;
    public double OldDecayRate { get; init; } = 0.001;
    public double OldDecayMax { get; init; } = 0.5;
    public OldDecaySchedule OldDecaySchedule { get; init; } = OldDecaySchedule.Linear;
    public bool Sde { get; init; }
    public double NoiseLevel { get; init; } = 0.7;

    public IEnumerable<string> Problems()
    {
        foreach (var p in ForwardProcessStrategy.Problems("awm", this)) yield return p;
        if (ClipRange <= 0) yield return "awm.clip_range must be > 0";
        if (KlWeight < 0 || EmaKlWeight < 0) yield return "awm.kl_weight and awm.ema_kl_weight must be >= 0";
        if (GhuberPower <= 0) yield return "awm.ghuber_power must be > 0";
    }
}

/// <summary>A forward-process method's rollout: G independent ODE (or SDE) trajectories per prompt, no edge trained.</summary>
public sealed class ForwardProcessStrategy(string name, IForwardProcessConfig config) : IRolloutStrategy
{
    public string Name => name;
    public int Steps => config.Steps;
    public int TreesPerPrompt => config.GroupSize;
    public bool SharedRootNoise => false;
    public IDenoisingStep SdeStep { get; } = new FlowGrpoSdeStep(config.NoiseLevel);

    public void BeginIteration(long iteration, Random random) { }

    public NodeExpansion Expand(RolloutNode node) => config.Sde ? NodeExpansion.Sde(trained: false) : NodeExpansion.Ode;

    /// <summary>The checks every forward-process section shares.</summary>
    public static IEnumerable<string> Problems(string section, IForwardProcessConfig c)
    {
        if (c.Steps < 2) yield return $"{section}.steps must be >= 2";
        if (c.GroupSize < 2) yield return $"{section}.group_size must be >= 2 (a group needs a spread)";
        if (c.TimesPerImage < 1 || c.TimesPerImage > c.Steps) yield return $"{section}.times_per_image must be in [1, steps = {c.Steps}]";
        if (c.OldDecayRate < 0 || c.OldDecayMax is < 0 or >= 1) yield return $"{section}.old_decay_rate must be >= 0 and {section}.old_decay_max in [0, 1)";
    }
}
