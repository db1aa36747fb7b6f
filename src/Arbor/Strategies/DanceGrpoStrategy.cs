using Arbor.Rollouts;
using Arbor.Sampling.Steps;

namespace Arbor.Strategies;

/// <summary>DanceGRPO (ALGORITHMS.md §5.2) settings.</summary>
public sealed record DanceGrpoConfig
{
    public int Steps { get; init; } = 10;
    /// <summary>Samples per prompt (all from one shared initial noise).</summary>
    public int GroupSize { get; init; } = 8;
    /// <summary>Constant SDE noise level η (paper: 0.3).</summary>
    public double Eta { get; init; } = 0.3;
    /// <summary>Share of each sample's steps that is trained, drawn at random (paper: 60%; never the last step).</summary>
    public double TimestepFraction { get; init; } = 0.6;
    /// <summary>
    /// The stochastic step: unset (default) for DanceGRPO's own constant-η SDE on a flow model; <c>ddim</c> for DDIM with
    /// η = <see cref="Eta"/> on an ε-prediction model (the strategy is otherwise the same).
    /// </summary>
    public SdeKind? SdeKind { get; init; }
}

/// <summary>Shared initial noise, constant-η SDE everywhere, and a random 60% of each sample's steps trained.</summary>
public sealed class DanceGrpoStrategy(DanceGrpoConfig config) : IRolloutStrategy
{
    private readonly Dictionary<(int Prompt, int Tree), HashSet<int>> _trainedSteps = new();
    private Random _random = new(0);

    public string Name => "dance_grpo";
    public int Steps => config.Steps;
    public int TreesPerPrompt => config.GroupSize;
    public bool SharedRootNoise => true;
    public IDenoisingStep SdeStep { get; } =
        config.SdeKind is { } kind ? SdeSteps.Create(kind, config.Eta) : new DanceGrpoSdeStep(config.Eta);

    public void BeginIteration(long iteration, Random random)
    {
        _random = random;
        _trainedSteps.Clear();
    }

    public NodeExpansion Expand(RolloutNode node)
    {
        if (!_trainedSteps.TryGetValue((node.Prompt, node.Tree), out var steps))
        {
            // drawn when the trajectory is first expanded; the engine visits nodes in a fixed order, so this is seeded
            int candidates = config.Steps - 1;
            int count = Math.Max(1, (int)Math.Round(config.TimestepFraction * config.Steps));
            steps = Enumerable.Range(0, candidates).OrderBy(_ => _random.Next()).Take(Math.Min(count, candidates)).ToHashSet();
            _trainedSteps[(node.Prompt, node.Tree)] = steps;
        }
        return NodeExpansion.Sde(trained: steps.Contains(node.Step));
    }
}
