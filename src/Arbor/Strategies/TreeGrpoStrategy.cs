using Arbor.Advantages;
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
    public double NoiseLevel { get; init; } = 0.7;
    /// <summary>"geometric" (truncated geometric window start) or "shift".</summary>
    public string WindowSchedule { get; init; } = "geometric";
    /// <summary>r of the truncated geometric Pr[l] ∝ (1 − r)·r^l (paper: 0.5).</summary>
    public double GeometricRatio { get; init; } = 0.5;
    /// <summary>For "shift": move the window by this many steps every ShiftEvery iterations.</summary>
    public int ShiftBy { get; init; } = 1;
    public int ShiftEvery { get; init; } = 25;
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
    public IDenoisingStep SdeStep { get; } = new FlowGrpoSdeStep(config.NoiseLevel);
    public int WindowStart { get; private set; }

    /// <summary>Sets the window explicitly (tests, `arbor tree`); it must fit in the schedule.</summary>
    public void SetWindow(int start)
    {
        if (start < 0 || start + config.Depth > config.Steps)
            throw new ArgumentOutOfRangeException(nameof(start), start, $"window [{start}, {start + config.Depth}) is outside the {config.Steps}-step schedule");
        WindowStart = start;
    }

    public void BeginIteration(long iteration, Random random)
    {
        int max = config.Steps - config.Depth;
        if (config.WindowSchedule == "shift") SetWindow(SlidingWindow.Start(iteration, config.ShiftEvery, starts: max + 1, config.ShiftBy));
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
