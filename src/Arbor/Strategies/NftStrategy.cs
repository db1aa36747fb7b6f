using Arbor.Rollouts;
using Arbor.Sampling.Steps;

namespace Arbor.Strategies;

/// <summary>
/// DiffusionNFT (ALGORITHMS.md §5.7; NVlabs/DiffusionNFT) settings. The rollout is flat (G independent trajectories
/// per prompt, sampled by the old policy); the loss (<see cref="Training.NftTrainer"/>) trains on the leaves' clean
/// images, so no edge is trained and no log-probability is needed.
/// </summary>
public sealed record NftConfig
{
    /// <summary>Rollout steps T (paper: 10).</summary>
    public int Steps { get; init; } = 10;
    /// <summary>Images per prompt (paper: 24; 8 on 2 CPU cores, as the measured probe of issue #15).</summary>
    public int GroupSize { get; init; } = 8;
    /// <summary>β of v⁺ = β·v_θ + (1 − β)·v_old and v⁻ = (1 + β)·v_old − β·v_θ (paper: 1).</summary>
    public double Beta { get; init; } = 1.0;
    /// <summary>
    /// Noised copies of each image trained per iteration, each at one of the rollout's times (drawn without
    /// replacement) with fresh noise. The paper trains 9 of 10 times; 3 is the measured CPU probe's choice.
    /// </summary>
    public int TimesPerImage { get; init; } = 3;
    /// <summary>Weight of mean_D(v_θ − v_ref)², the pull toward the base (paper: 1e-4); 0 skips its forward.</summary>
    public double RefWeight { get; init; } = 1e-4;
    /// <summary>The old policy's decay grows as d = min(rate·iteration, max) (paper: rate 0.001).</summary>
    public double OldDecayRate { get; init; } = 0.001;
    /// <summary>The old policy's largest decay (paper: 0.5).</summary>
    public double OldDecayMax { get; init; } = 0.5;
    /// <summary>Roll out with the Flow-GRPO SDE (noise level <see cref="NoiseLevel"/>) instead of the ODE (paper: ODE).</summary>
    public bool Sde { get; init; }
    /// <summary>SDE noise level a when <see cref="Sde"/> is set.</summary>
    public double NoiseLevel { get; init; } = 0.7;

    public IEnumerable<string> Problems()
    {
        if (Steps < 2) yield return "nft.steps must be >= 2";
        if (GroupSize < 2) yield return "nft.group_size must be >= 2 (a group needs a spread)";
        if (Beta <= 0) yield return "nft.beta must be > 0";
        if (TimesPerImage < 1 || TimesPerImage > Steps) yield return $"nft.times_per_image must be in [1, steps = {Steps}]";
        if (RefWeight < 0) yield return "nft.ref_weight must be >= 0";
        if (OldDecayRate < 0 || OldDecayMax is < 0 or >= 1) yield return "nft.old_decay_rate must be >= 0 and nft.old_decay_max in [0, 1)";
    }
}

/// <summary>DiffusionNFT's rollout: G independent ODE (or SDE) trajectories per prompt, no edge trained.</summary>
public sealed class NftStrategy(NftConfig config) : IRolloutStrategy
{
    public string Name => "nft";
    public int Steps => config.Steps;
    public int TreesPerPrompt => config.GroupSize;
    public bool SharedRootNoise => false;
    public IDenoisingStep SdeStep { get; } = new FlowGrpoSdeStep(config.NoiseLevel);

    public void BeginIteration(long iteration, Random random) { }

    public NodeExpansion Expand(RolloutNode node) => config.Sde ? NodeExpansion.Sde(trained: false) : NodeExpansion.Ode;
}
