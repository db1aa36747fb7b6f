using Arbor.Rollouts;
using Arbor.Sampling.Steps;

namespace Arbor.Strategies;

/// <summary>
/// What every forward-process method (ALGORITHMS.md §5.7) sets: its rollout and which noisings it trains. The rollout
/// is G independent trajectories per prompt (flat), or, with <see cref="Branching"/> above 1, trees from shared root
/// noise that branch by SDE inside the window [<see cref="BranchStart"/>, BranchStart + <see cref="BranchDepth"/>)
/// and finish by ODE: the images of a group then differ only by what the window's noise made of them. The loss reads
/// only the leaves and their rewards either way.
/// </summary>
public abstract record ForwardProcessConfig
{
    /// <summary>Rollout steps T (papers: 10).</summary>
    public int Steps { get; init; } = 10;
    /// <summary>Images per prompt (DiffusionNFT: 24; 8 on 2 CPU cores, as the measured probe of issue #15).</summary>
    public int GroupSize { get; init; } = 8;
    /// <summary>
    /// Noised copies of each image trained per iteration, each at one of the rollout's times (without replacement),
    /// fresh noise. DiffusionNFT trains 9 of 10; 3 is the measured CPU probe's choice.
    /// </summary>
    public int TimesPerImage { get; init; } = 3;
    /// <summary>
    /// How many of the rollout's times a noised copy may be drawn from: the first K steps (highest noise), 0 (default) =
    /// all T, as the papers. Flow-GRPO's <c>timestep_fraction</c> for the forward-process losses: a group's reward spread
    /// is made in the first steps (ALGORITHMS.md §7), so a low-noise copy, whose x_t already fixes the image's layout,
    /// adds an advantage-weighted gradient that carries detail, not what the reward judged.
    /// </summary>
    public int TrainedSteps { get; init; }

    /// <summary>
    /// Draw each noised copy's time uniformly within its step's interval (t_{k+1}, t_k] instead of at the step's own
    /// time t_k (default off: the papers' rollout times). The rollouts walk 10 times but the evaluation's sampler walks
    /// 40, and a LoRA trained at 10 times alone has the 30 between them only by interpolation; jittered copies train the
    /// whole interval each step covers, still one copy per chosen step.
    /// </summary>
    public bool JitterTimes { get; init; }
    /// <summary>The steps whose times are trained: <see cref="TrainedSteps"/>, or all <see cref="Steps"/> when 0.</summary>
    public int TrainedStepCount => TrainedSteps == 0 ? Steps : TrainedSteps;
    /// <summary>
    /// Re-noise every image of a group at the same times with the same noise ε (common random numbers). The loss's
    /// gradient is a sum of flow-matching gradients weighted by advantages that sum to zero in each group, so the part
    /// of each image's gradient that only the noise makes cancels across the group instead of adding up as drift.
    /// Off (default) = DiffusionNFT's and AWM's fresh noise per image.
    /// </summary>
    public bool SharedTrainingNoise { get; init; }
    /// <summary>
    /// Train every noised copy twice, at its noise ε and at −ε (antithetic variates; Arbor's, not the papers'; default
    /// off). The loss's re-noising of the same images makes about three quarters of one iteration's gradient variance on
    /// the shipped nft (`arbor bench gradient-noise`, docs/BENCHMARKS.md), and the flow-matching target ε − x0 is odd in
    /// ε: the pair cancels the part of that noise the sign of ε makes, at twice the training forwards and the same
    /// expected gradient (ε and −ε are equally likely).
    /// </summary>
    public bool AntitheticNoise { get; init; }
    /// <summary>
    /// How the loss weighs an image's pixels: uniform (default, the papers': the mean over all of them), or group_spread,
    /// each pixel by how much the group's images differ there (<see cref="Training.GroupSpreadWeights"/>, mean 1), so
    /// that the pixels every image of the group shares, which cannot be what the reward told apart, add no
    /// advantage-weighted noise. Arbor's, not the papers'. Measured on the shipped nft, seed 0, 120 iterations: 0.0 / −0.3
    /// points against uniform on the two held-out sets (docs/BENCHMARKS.md), so not adopted.
    /// </summary>
    public PixelWeighting PixelWeights { get; init; } = PixelWeighting.Uniform;
    /// <summary>
    /// Dense credit from the reward (<see cref="Rewards.IPixelCredit"/>): none (default, the papers': one advantage per
    /// image), or shapes_objects, the Shapes verifier's per-object verdicts, so that an image's advantage is spread over
    /// its pixels by <see cref="Training.AdvantageMaps"/> (never negative on an object the prompt asked for and the image
    /// drew right, never positive on a wrong one). Arbor's, not the papers'; nft only.
    /// </summary>
    public PixelCredit PixelCredit { get; init; } = PixelCredit.None;
    /// <summary>
    /// Which velocity the loss trains: the model's own conditional v_θ(x, t, c) (default, the papers': DiffusionNFT and
    /// AWM roll out without CFG, so it is the velocity that sampled the images), or the guided combination the rollouts
    /// actually step with, v_u + w·(v_c − v_u) at <c>rollout.guidance</c> w. With CFG rollouts the conditional alone is
    /// not the sampling policy: its update reaches the sampler w times over, and the LoRA moves the unconditional branch
    /// (same weights) with no term that sees it, while the guided loss holds the very function that samples, and is
    /// evaluated, to the method's implicit positive and negative around the old one. Guided doubles the training forwards.
    /// </summary>
    public TrainedVelocity TrainedVelocity { get; init; } = TrainedVelocity.Conditional;
    /// <summary>
    /// Weight λ of the silent-group anchor (default 0, off; Arbor's, not the papers'). A group whose images all earned the
    /// same reward (all solved, or all failed) is dropped from the loss, so nothing holds what the policy does on its
    /// prompt while the other groups move the shared weights: the shuffled-reward control's drift, which falls hardest
    /// on the families the base already solves (docs/BENCHMARKS.md). With λ > 0, <see cref="SilentAnchorImages"/> images
    /// of each such group are re-noised once each and the loss adds λ·mean over them of mean_D(v_θ − v_ref)², v_ref the
    /// base's prediction (the adapters off): a pull toward the base that acts only where the reward is silent, unlike a
    /// reference term on every sample (<c>nft.ref_weight</c>), which holds the groups that are learning just as hard.
    /// Measured on configs/nft.yaml at λ = 1, seed 0: it held single_object, colors and counting, but so did nft on that
    /// seed, and it ended −1.3 / −4.7 under nft at 120 iterations (−3.6 / −4.7 at 60; docs/BENCHMARKS.md): off.
    /// </summary>
    public double SilentAnchorWeight { get; init; }
    /// <summary>Images of each silent group the anchor trains, one noised copy each (default 2, of the group's first).</summary>
    public int SilentAnchorImages { get; init; } = 2;
    /// <summary>The old (sampling) policy's decay grows as d = min(rate·(iteration − flat), max) (DiffusionNFT: 0.001).</summary>
    public double OldDecayRate { get; init; } = 0.001;
    /// <summary>
    /// Iterations before the linear ramp starts, with d = 0 (the old policy is the trained one) until then: 0, DiffusionNFT's
    /// default (decay_type 1). Its decay_type 2 is flat 75, rate 0.0075, max 0.999: a trust region that tightens after
    /// the first iterations, for long runs.
    /// </summary>
    public int OldDecayFlat { get; init; }
    /// <summary>The old policy's largest decay (DiffusionNFT: 0.5).</summary>
    public double OldDecayMax { get; init; } = 0.5;
    /// <summary>How the old policy's decay grows: DiffusionNFT's linear ramp, or the warm-up d = min(max, (1 + n)/(10 + n)).</summary>
    public OldDecaySchedule OldDecaySchedule { get; init; } = OldDecaySchedule.Linear;

    /// <summary>The old policy's decay after iteration <paramref name="n"/> (θ_old ← d·θ_old + (1 − d)·θ).</summary>
    public double OldDecayAt(long n) => OldDecaySchedule == OldDecaySchedule.Warmup
        ? Math.Min(OldDecayMax, (1.0 + n) / (10.0 + n))
        : n < OldDecayFlat ? 0 : Math.Min(OldDecayRate * (n - OldDecayFlat), OldDecayMax);

    /// <summary>Roll out with the stochastic step (sde_kind) at every step instead of the ODE (DiffusionNFT: ODE).</summary>
    public bool Sde { get; init; }
    /// <summary>SDE noise level a (Flow-GRPO's 0.7; η with sde_kind ddim), at every step with <see cref="Sde"/>, else in the
    /// branching window.</summary>
    public double NoiseLevel { get; init; } = 0.7;
    /// <summary>
    /// The stochastic step: on a flow model flow (Flow-GRPO's SDE, default) or cps (coefficients-preserving sampling); on an
    /// ε-prediction model ddim (DDIM with η = noise_level; <see cref="Arbor.Sampling.Steps.SdeKind"/>).
    /// </summary>
    public Arbor.Sampling.Steps.SdeKind SdeKind { get; init; } = Arbor.Sampling.Steps.SdeKind.Flow;
    /// <summary>Children per node in the branching window; 1 (default) = flat rollouts, as the papers'.</summary>
    public int Branching { get; init; } = 1;
    /// <summary>Steps of the branching window: each tree has Branching^BranchDepth leaves (with Branching above 1).</summary>
    public int BranchDepth { get; init; } = 3;
    /// <summary>First step of the branching window (0: where most of a group's reward spread is made, ALGORITHMS.md §7).</summary>
    public int BranchStart { get; init; }

    /// <summary>Leaves per tree: 1 for flat rollouts.</summary>
    public int LeavesPerTree => Branching <= 1 ? 1 : (int)Math.Pow(Branching, BranchDepth);

    /// <summary>The checks every forward-process section shares; <paramref name="section"/> names it in messages.</summary>
    public IEnumerable<string> SharedProblems(string section)
    {
        if (Steps < 2) yield return $"{section}.steps must be >= 2";
        if (GroupSize < 2) yield return $"{section}.group_size must be >= 2 (a group needs a spread)";
        if (TrainedSteps < 0 || TrainedSteps > Steps)
        {
            yield return $"{section}.trained_steps must be in [0, steps = {Steps}] (0: all)";
        }
        else if (TimesPerImage < 1 || TimesPerImage > TrainedStepCount)
        {
            yield return $"{section}.times_per_image must be in [1, {(TrainedSteps == 0 ? "steps" : "trained_steps")} " +
                $"= {TrainedStepCount}]";
        }
        if (OldDecayRate < 0 || OldDecayMax is < 0 or >= 1)
            yield return $"{section}.old_decay_rate must be >= 0 and {section}.old_decay_max in [0, 1)";
        if (OldDecayFlat < 0) yield return $"{section}.old_decay_flat must be >= 0";
        if (!(SilentAnchorWeight >= 0) || !double.IsFinite(SilentAnchorWeight))
            yield return $"{section}.silent_anchor_weight must be a finite number >= 0 (0: off)";
        if (SilentAnchorImages < 1 || SilentAnchorImages > GroupSize)
            yield return $"{section}.silent_anchor_images must be in [1, group_size = {GroupSize}]";
        if (Branching < 1) yield return $"{section}.branching must be >= 1";
        if (Branching > 1)
        {
            if (BranchDepth < 1 || BranchStart < 0 || BranchStart + BranchDepth > Steps)
            {
                yield return $"{section}: the branching window [{BranchStart}, {BranchStart + BranchDepth}) must lie in the " +
                    $"{Steps}-step schedule";
            }
            else if (GroupSize % LeavesPerTree != 0)
            {
                yield return $"{section}.group_size {GroupSize} must be a multiple of the {LeavesPerTree} leaves of a tree " +
                    $"(branching^branch_depth)";
            }
        }
    }
}

/// <summary>The velocity a forward-process loss trains (<see cref="ForwardProcessConfig.TrainedVelocity"/>).</summary>
public enum TrainedVelocity
{
    /// <summary>v_θ(x, t, c), one forward per noised copy: the papers' (their rollouts are CFG-free).</summary>
    [System.Runtime.Serialization.EnumMember(Value = "conditional")] Conditional,
    /// <summary>v_u + w·(v_c − v_u) at the rollout's guidance w: the velocity the rollouts and evaluations step with.</summary>
    [System.Runtime.Serialization.EnumMember(Value = "guided")] Guided,
}

/// <summary>How a forward-process loss weighs an image's pixels (<see cref="ForwardProcessConfig.PixelWeights"/>).</summary>
public enum PixelWeighting
{
    /// <summary>Every pixel alike: the loss's mean over the image (the papers').</summary>
    [System.Runtime.Serialization.EnumMember(Value = "uniform")] Uniform,
    /// <summary>By the spread of the group's clean images at the pixel, mean 1 (<see cref="Training.GroupSpreadWeights"/>).</summary>
    [System.Runtime.Serialization.EnumMember(Value = "group_spread")] GroupSpread,
}

/// <summary>Where a forward-process loss's per-pixel credit comes from (<see cref="ForwardProcessConfig.PixelCredit"/>).</summary>
public enum PixelCredit
{
    /// <summary>One advantage for the whole image.</summary>
    [System.Runtime.Serialization.EnumMember(Value = "none")] None,
    /// <summary>The Shapes verifier's object verdicts (<see cref="Rewards.ShapesObjectCredit"/>).</summary>
    [System.Runtime.Serialization.EnumMember(Value = "shapes_objects")] ShapesObjects,
}

/// <summary>How a forward-process method's old policy follows the trained weights, per iteration n.</summary>
public enum OldDecaySchedule
{
    /// <summary>d = min(rate·n, max): DiffusionNFT's (rate 0.001, max 0.5),
    /// nearly on-policy for the first hundreds of iterations.</summary>
    [System.Runtime.Serialization.EnumMember(Value = "linear")] Linear,
    /// <summary>d = min(max, (1 + n)/(10 + n)): 0.1 at once, max by n = 8 (issue #15's probe).</summary>
    [System.Runtime.Serialization.EnumMember(Value = "warmup")] Warmup,
}

/// <summary>
/// DiffusionNFT (ALGORITHMS.md §5.7; NVlabs/DiffusionNFT) settings. The loss (<see cref="Training.NftLoss"/>) trains on
/// the leaves' clean images, so no edge is trained and no log-probability is needed.
/// </summary>
public sealed record NftConfig : ForwardProcessConfig
{
    /// <summary>β of v⁺ = β·v_θ + (1 − β)·v_old and v⁻ = (1 + β)·v_old − β·v_θ (paper: 1).</summary>
    public double Beta { get; init; } = 1.0;
    /// <summary>Weight of mean_D(v_θ − v_ref)², the pull toward the base (paper: 1e-4); 0 skips its forward.</summary>
    public double RefWeight { get; init; } = 1e-4;
    /// <summary>
    /// Where the loss measures its errors: x0 (default, the paper's: ‖x̂0(v±) − x0‖²/w), or prediction, the model's own
    /// output space (‖v± − u‖²/w with u the prediction that denoises x_t to x0: ε − x0 on a flow model, ε on an
    /// ε-model). x̂0 is affine in the prediction with slope ∂x̂0/∂v, −t on a flow model but −sqrt((1 − ᾱ)/ᾱ) on an
    /// ε-model (157 at t = 1 on DDPM's schedule), so in x0 space an ε-model's noisiest copies outweigh the rest a
    /// hundredfold; in prediction space every copy counts alike, as in DDPM's own ε loss.
    /// </summary>
    public NftLossSpace LossSpace { get; init; } = NftLossSpace.X0;

    public IEnumerable<string> Problems()
    {
        foreach (var p in SharedProblems("nft")) yield return p;
        if (Beta <= 0) yield return "nft.beta must be > 0";
        if (RefWeight < 0) yield return "nft.ref_weight must be >= 0";
    }
}

/// <summary>Where DiffusionNFT's loss measures its errors (<see cref="NftConfig.LossSpace"/>).</summary>
public enum NftLossSpace
{
    /// <summary>x̂0(v) − x0, the paper's.</summary>
    [System.Runtime.Serialization.EnumMember(Value = "x0")] X0,
    /// <summary>v − u, the model's own prediction space.</summary>
    [System.Runtime.Serialization.EnumMember(Value = "prediction")] Prediction,
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
public sealed record AwmConfig : ForwardProcessConfig
{
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

    public IEnumerable<string> Problems()
    {
        foreach (var p in SharedProblems("awm")) yield return p;
        if (PixelCredit != PixelCredit.None) yield return "awm.pixel_credit: dense credit is nft's (its loss weighs each pixel's r)";
        if (ClipRange <= 0) yield return "awm.clip_range must be > 0";
        if (KlWeight < 0 || EmaKlWeight < 0) yield return "awm.kl_weight and awm.ema_kl_weight must be >= 0";
        if (GhuberPower <= 0) yield return "awm.ghuber_power must be > 0";
    }
}

/// <summary>
/// A forward-process method's rollout: G independent ODE (or SDE) trajectories per prompt, or G / k^d trees that branch
/// in their window (<see cref="ForwardProcessConfig.Branching"/>); no edge is trained, the loss reads the leaves.
/// </summary>
public sealed class ForwardProcessStrategy(string name, ForwardProcessConfig config) : IRolloutStrategy
{
    public string Name => name;
    public int Steps => config.Steps;
    public int TreesPerPrompt => config.GroupSize / config.LeavesPerTree;
    public bool SharedRootNoise => false;
    public IDenoisingStep SdeStep { get; } = Arbor.Sampling.Steps.SdeSteps.Create(config.SdeKind, config.NoiseLevel);

    public void BeginIteration(long iteration, Random random) { }

    public NodeExpansion Expand(RolloutNode node) =>
        config.Branching > 1 && node.Step >= config.BranchStart && node.Step < config.BranchStart + config.BranchDepth
            ? NodeExpansion.Sde(trained: false, children: config.Branching)
            : config.Sde ? NodeExpansion.Sde(trained: false) : NodeExpansion.Ode;

    /// <summary>Only the leaves' group advantages are used (the loss trains on leaves, not edges).</summary>
    public EdgeAdvantageMode AdvantageMode => EdgeAdvantageMode.Leaves;
}
