using Arbor.Rollouts;
using Arbor.Sampling.Steps;

namespace Arbor.Strategies;

/// <summary>TreeGRPO (ALGORITHMS.md §5.4) settings.</summary>
public sealed record TreeGrpoConfig
{
    public int Steps { get; init; } = 10;
    /// <summary>Trees (root noises) per prompt.</summary>
    public int NumTrees { get; init; } = 1;
    /// <summary>Children per branching node k (paper: 3).</summary>
    public int Branching { get; init; } = 3;
    /// <summary>Branching window depth d (paper: 3 → 27 leaves).</summary>
    public int Depth { get; init; } = 3;
    /// <summary>SDE noise level a (Flow-GRPO's 0.7); η with sde_kind ddim (DDPO: 1.0).</summary>
    public double NoiseLevel { get; init; } = 0.7;
    /// <summary>
    /// The stochastic step: on a flow model flow (Flow-GRPO's SDE, default) or cps (coefficients-preserving sampling); on an
    /// ε-prediction model ddim (DDIM with η = noise_level; <see cref="Arbor.Sampling.Steps.SdeKind"/>).
    /// </summary>
    public Arbor.Sampling.Steps.SdeKind SdeKind { get; init; } = Arbor.Sampling.Steps.SdeKind.Flow;
    /// <summary><c>geometric</c> (truncated geometric window start, the paper's) or <c>shift</c> (the public code's).</summary>
    public TreeWindowSchedule WindowSchedule { get; init; } = TreeWindowSchedule.Geometric;
    /// <summary>r of the truncated geometric Pr[l] ∝ (1 − r)·r^l (paper: 0.5).</summary>
    public double GeometricRatio { get; init; } = 0.5;
    /// <summary>For "shift": move the window by this many steps every ShiftEvery iterations.</summary>
    public int ShiftBy { get; init; } = 1;
    public int ShiftEvery { get; init; } = 25;
}

/// <summary>Where TreeGRPO's branching window starts each iteration (ALGORITHMS.md §5.4).</summary>
public enum TreeWindowSchedule
{
    /// <summary>l drawn from the truncated geometric Pr[l] ∝ (1 − r)·r^l.</summary>
    [System.Runtime.Serialization.EnumMember(Value = "geometric")] Geometric,
    /// <summary>l moves by <see cref="TreeGrpoConfig.ShiftBy"/> every <see cref="TreeGrpoConfig.ShiftEvery"/> iterations.</summary>
    [System.Runtime.Serialization.EnumMember(Value = "shift")] Shift,
}

/// <summary>
/// Trees from one root noise each: inside the window [l, l + d) every frontier node spawns k children
/// (same μ, independent noise), ODE elsewhere; k^d leaves per tree; only window edges are trained.
/// </summary>
public sealed class TreeGrpoStrategy(TreeGrpoConfig config) : IRolloutStrategy
{
    public string Name => "tree_grpo";
    public int Steps => config.Steps;
    public int TreesPerPrompt => config.NumTrees;
    public bool SharedRootNoise => false;
    public IDenoisingStep SdeStep { get; } = Arbor.Sampling.Steps.SdeSteps.Create(config.SdeKind, config.NoiseLevel);
    public int WindowStart { get; private set; }

    /// <summary>The latest window start: T − d − 1, so the last step is never trained (ALGORITHMS.md §2).</summary>
    public int LastWindowStart => config.Steps - config.Depth - 1;

    /// <summary>Sets the window explicitly (tests, `arbor tree`); it must fit in the schedule and leave the last step untrained.</summary>
    public void SetWindow(int start)
    {
        if (start < 0 || start > LastWindowStart)
        {
            throw new ArgumentOutOfRangeException(nameof(start), start,
                $"window [{start}, {start + config.Depth}) must lie in steps 0 to {config.Steps - 2} of the {config.Steps}-step schedule " +
                    $"(the last step is never trained)");
        }
        WindowStart = start;
    }

    public void BeginIteration(long iteration, Random random)
    {
        int max = LastWindowStart;
        if (config.WindowSchedule == TreeWindowSchedule.Shift)
            SetWindow(SlidingWindow.Start(iteration, config.ShiftEvery, starts: max + 1, config.ShiftBy));
        else SetWindow(SampleGeometric(random, config.GeometricRatio, max));
    }

    /// <summary>l ∈ [0, max] with Pr[l] ∝ (1 − r)·r^l.</summary>
    public static int SampleGeometric(Random random, double r, int max)
    {
        var weights = Enumerable.Range(0, max + 1).Select(l => (1 - r) * Math.Pow(r, l)).ToArray();
        double u = random.NextDouble() * weights.Sum();
        for (int l = 0; l <= max; l++)
            if ((u -= weights[l]) <= 0) return l;
        return max;
    }

    public NodeExpansion Expand(RolloutNode node) =>
        node.Step >= WindowStart && node.Step < WindowStart + config.Depth
            ? NodeExpansion.Sde(trained: true, children: config.Branching)
            : NodeExpansion.Ode;

    public EdgeAdvantageMode AdvantageMode => EdgeAdvantageMode.TreeBackup;
}
