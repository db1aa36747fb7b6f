using Arbor.Advantages;
using Arbor.Rollouts;
using Arbor.Sampling.Steps;

namespace Arbor.Strategies;

/// <summary>BranchGRPO (ALGORITHMS.md §5.5) settings.</summary>
public sealed record BranchGrpoConfig
{
    /// <summary>Rollout steps (paper: 20).</summary>
    public int Steps { get; init; } = 20;
    /// <summary>Steps at which every node splits (paper: {0, 3, 6, 9}).</summary>
    public List<int> SplitSteps { get; init; } = [0, 3, 6, 9];
    /// <summary>Children per split K (paper: 2).</summary>
    public int Branching { get; init; } = 2;
    /// <summary>Sibling noise correlation s: ξ_b = (ξ_0 + s·η_b)/sqrt(1 + s²) (paper: 4).</summary>
    public double NoiseCorrelation { get; init; } = 4.0;
    /// <summary>SDE noise level a (Flow-GRPO's 0.7); η with sde_kind ddim (DDPO: 1.0).</summary>
    public double NoiseLevel { get; init; } = 0.7;
    /// <summary>
    /// The stochastic step: on a flow model flow (Flow-GRPO's SDE, default) or cps (coefficients-preserving sampling); on an
    /// ε-prediction model ddim (DDIM with η = noise_level; <see cref="Arbor.Sampling.Steps.SdeKind"/>).
    /// </summary>
    public Arbor.Sampling.Steps.SdeKind SdeKind { get; init; } = Arbor.Sampling.Steps.SdeKind.Flow;
    /// <summary>β_f of the path-weighted reward fusion (0 = plain mean).</summary>
    public double FusionTemperature { get; init; } = 1.0;
    /// <summary>Depth pruning: no gradient for a window of steps that slides toward earlier steps.</summary>
    public bool DepthPruning { get; init; }
    /// <summary>Width of the depth-pruning window (paper: 4).</summary>
    public int DepthPruningWindow { get; init; } = 4;
    /// <summary>Iterations between moves of the pruning window (paper: 30).</summary>
    public int DepthPruningShiftEvery { get; init; } = 30;
    /// <summary>Width pruning: after the last split, only the better child of each parent is trained.</summary>
    public bool WidthPruning { get; init; }
    /// <summary>A MixGRPO-style SDE window of this width instead of SDE everywhere (split steps stay SDE); 0 = off.</summary>
    public int MixedWindow { get; init; }
    /// <summary>Iterations between moves of the mixed window.</summary>
    public int MixedWindowShiftEvery { get; init; } = 25;
}

/// <summary>
/// Splits at fixed steps into K children with correlated noise (each child marginally the baseline
/// step, so its log-prob is the baseline density); SDE at every other step; every SDE edge trained but
/// the last step's; depth-normalized advantages with path-weighted fusion.
/// </summary>
public sealed class BranchGrpoStrategy(BranchGrpoConfig config) : IRolloutStrategy, ILossShaping
{
    private int LastSplit => config.SplitSteps.Count == 0 ? 0 : config.SplitSteps.Max();

    /// <summary>First step of the depth-pruning window this iteration (none when depth pruning is off).</summary>
    public int? PruneStart { get; private set; }
    /// <summary>First step of the mixed SDE window this iteration (none when off).</summary>
    public int? MixedStart { get; private set; }

    public string Name => "branch_grpo";
    public int Steps => config.Steps;
    public int TreesPerPrompt => 1;
    public bool SharedRootNoise => false;
    public IDenoisingStep SdeStep { get; } = Arbor.Sampling.Steps.SdeSteps.Create(config.SdeKind, config.NoiseLevel);
    public double FusionTemperature => config.FusionTemperature;
    public EdgeAdvantageMode AdvantageMode => EdgeAdvantageMode.DepthNormalized;

    public void BeginIteration(long iteration, Random random)
    {
        // the pruning window starts at the latest steps and slides one step earlier every τ iterations, not before the last split
        int latest = config.Steps - 1 - config.DepthPruningWindow;
        PruneStart = config.DepthPruning ? Math.Max(LastSplit, latest - (int)(iteration / config.DepthPruningShiftEvery)) : null;
        MixedStart = config.MixedWindow > 0 ? MixGrpoStrategy.WindowStartAt(iteration, config.MixedWindowShiftEvery, config.Steps) : null;
    }

    public NodeExpansion Expand(RolloutNode node)
    {
        bool split = config.SplitSteps.Contains(node.Step);
        bool stochastic = split || MixedStart is not { } m || (node.Step >= m && node.Step < m + config.MixedWindow);
        bool pruned = PruneStart is { } p && node.Step >= p && node.Step < p + config.DepthPruningWindow;
        bool trained = stochastic && node.Step < config.Steps - 1 && !pruned;
        if (split) return new NodeExpansion(config.Branching, true, trained, 1.0, config.NoiseCorrelation);
        return stochastic ? NodeExpansion.Sde(trained) : NodeExpansion.Ode;
    }

    // ---- width pruning, once rewards are known ----

    public void Prepare(RolloutForest forest, Distributed.DataParallel? parallel = null)
    {
        if (!config.WidthPruning) return;
        var values = DepthNormalization.NodeValues(forest, config.FusionTemperature);
        foreach (var parent in forest.Nodes.Where(n => n.Step == LastSplit && n.Children.Count > 1))
        {
            var better = parent.Children.MaxBy(e => values[e.To])!;
            foreach (var edge in parent.Children.Where(e => e != better))
            {
                for (var below = new Stack<RolloutEdge>([edge]); below.Count > 0;)
                {
                    var e = below.Pop();
                    e.Trained = false;
                    foreach (var c in e.To.Children) below.Push(c);
                }
            }
        }
    }

    public (double Low, double High)? ClipInterval(RolloutEdge edge) => null;

    public Arbor.Tensors.Tensor? ExtraLoss(TrainingStepBatch batch) => null;
}
