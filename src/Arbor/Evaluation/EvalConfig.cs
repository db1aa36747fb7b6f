using Arbor.Sampling;
using Arbor.Tensors;

namespace Arbor.Evaluation;

/// <summary>
/// Held-out evaluation (pretraining and RL alike): generate each held-out set's prompts with the 40-step ODE
/// (ALGORITHMS.md §2) and verify them. `every` counts steps in pretraining and iterations in RL.
/// </summary>
public sealed record EvalConfig
{
    /// <summary>Steps (pretraining) or iterations (RL) between evaluations; 0 = only at the start/end.</summary>
    public int Every { get; init; } = 25;
    /// <summary>
    /// Prompts per task family in each set. 64 (issue #14): a family's strict accuracy then has a binomial SD of about
    /// 6 points and the overall mean of six families about 2.5. A family with fewer listed prompts cycles them,
    /// each repeat with its own noise seed.
    /// </summary>
    public int PromptsPerFamily { get; init; } = 64;

    /// <summary>
    /// Prompts generated per model forward batch (CFG doubles the rows). The noise does not depend on it; the
    /// images agree bit for bit only at equal batch sizes (OpenBLAS's sums depend on the batch).
    /// </summary>
    public int BatchSize { get; init; } = 48;

    /// <summary>The held-out sets evaluated, the primary first (ALGORITHMS.md §7: in_distribution, then compositional).</summary>
    public List<HeldOutSet> Sets { get; init; } = [.. HeldOutSets.All];
    /// <summary>ODE steps (ALGORITHMS.md §2: evaluation uses 40).</summary>
    public int Steps { get; init; } = 40;
    /// <summary>Classifier-free guidance weight (ALGORITHMS.md §5.1: 4.5).</summary>
    public double Guidance { get; init; } = 4.5;
    /// <summary>euler (default, ALGORITHMS.md §2) or heun: the closed choice rollouts name too (rollout.ode_solver). On an
    /// ε-prediction model euler is deterministic DDIM and heun is refused (<see cref="OdeSamplers.For"/>).</summary>
    public OdeSolver Sampler { get; init; } = OdeSolver.Euler;
    /// <summary>
    /// SD3/FLUX time shift of the evaluation's schedule (<see cref="Arbor.Sampling.TimeSchedule.Linear"/>); 1 (default):
    /// the uniform grid every reported number uses. A user evaluating a few-step sampler sets it as the sampler does.
    /// </summary>
    public double TimeShift { get; init; } = 1.0;
    /// <summary>
    /// Guidance only at times above this (a guidance interval, <see cref="Arbor.Rollouts.RolloutConfig.GuidanceUntil"/>);
    /// 0 (default): every step guided, as every reported number. Set it as a rollout does to see what the rollout sees.
    /// </summary>
    public double GuidanceUntil { get; init; }
    /// <summary>
    /// Which model predicts CFG's unconditional branch when a LoRA adapts the policy: <c>adapted</c> (default, how every
    /// LoRA is used, and how every rollout samples) or <c>base</c> (<see cref="UnconditionalBranch"/>), a diagnosis of
    /// where an adapter's change lies (`arbor eval --unconditional base`; docs/BENCHMARKS.md).
    /// </summary>
    public UnconditionalBranch Unconditional { get; init; } = UnconditionalBranch.Adapted;
    /// <summary>
    /// Seed of the evaluation noise. Prompt i of a set always gets the noise of (seed, set, i), whatever the batch
    /// size or the number of prompts evaluated, so any two evaluations of a set are paired prompt by prompt.
    /// </summary>
    public ulong Seed { get; init; } = 1234;

    /// <summary>
    /// Reuse the stored evaluation of an RL run's base at iteration 0 (the policy is then exactly the base), computed on
    /// this machine with these settings (<see cref="BaseEvaluationCache"/>): saves a full evaluation per run.
    /// </summary>
    public bool CacheBase { get; init; } = true;

    /// <summary>
    /// The element type of the sampler's matrix products (<see cref="ComputePrecision"/>): fp32 (default, the reference every
    /// earlier number was measured in), bf16, or auto (bf16 where the CPU has bf16 matrix units). Whatever a run trains in,
    /// its evaluations all use this one setting, so before and after stay paired; bf16 samples what a user deploying the
    /// policy in bf16 would get, about 4x faster on a CPU with AMX (`arbor bench precision`). The base's cached evaluation
    /// is kept per precision (<see cref="BaseEvaluationCache.Key"/>).
    /// </summary>
    public Precision Precision { get; init; } = Precision.Fp32;

    public IEnumerable<string> Problems()
    {
        if (Every < 0) yield return "every must be >= 0";
        if (PromptsPerFamily < 1) yield return "prompts_per_family must be >= 1";
        if (Steps < 1) yield return "steps must be >= 1";
        if (BatchSize < 1) yield return "batch_size must be >= 1";
        if (Sets is null || Sets.Count == 0) yield return "sets must name at least one held-out set (in_distribution, compositional)";
        else if (Sets.Distinct().Count() != Sets.Count) yield return "sets must not repeat a set";
        if (!(TimeShift > 0)) yield return $"time_shift must be positive (got {TimeShift})";
        if (!(GuidanceUntil >= 0 && GuidanceUntil < 1)) yield return $"guidance_until must be in [0, 1) (got {GuidanceUntil})";
    }
}
