using Arbor.Rollouts;
using Arbor.Sampling.Steps;

namespace Arbor.Strategies;

/// <summary>MixGRPO (ALGORITHMS.md §5.3) settings.</summary>
public sealed record MixGrpoConfig
{
    public int Steps { get; init; } = 10;
    public int GroupSize { get; init; } = 8;
    /// <summary>SDE noise level a of the window steps (Flow-GRPO's 0.7); η with sde_kind ddim (DDPO: 1.0).</summary>
    public double NoiseLevel { get; init; } = 0.7;
    /// <summary>
    /// The stochastic step: on a flow model flow (Flow-GRPO's SDE, default) or cps (coefficients-preserving sampling); on an
    /// ε-prediction model ddim (DDIM with η = noise_level; <see cref="Arbor.Sampling.Steps.SdeKind"/>).
    /// </summary>
    public Arbor.Sampling.Steps.SdeKind SdeKind { get; init; } = Arbor.Sampling.Steps.SdeKind.Flow;
    /// <summary>Window width w (paper: 4).</summary>
    public int Window { get; init; } = 4;
    /// <summary>Iterations between window moves τ (paper: 25).</summary>
    public int ShiftEvery { get; init; } = 25;
}

/// <summary>
/// A sliding SDE window W(l) = [l, l + w): SDE and trained inside, ODE outside. l starts at 0, moves by one
/// every τ iterations and wraps to 0 after T − 2. The window never includes the last step (never trained).
/// </summary>
public sealed class MixGrpoStrategy(MixGrpoConfig config) : IRolloutStrategy
{
    public string Name => "mix_grpo";
    public int Steps => config.Steps;
    public int TreesPerPrompt => config.GroupSize;
    public bool SharedRootNoise => false;
    public IDenoisingStep SdeStep { get; } = Arbor.Sampling.Steps.SdeSteps.Create(config.SdeKind, config.NoiseLevel);

    /// <summary>The current window start l.</summary>
    public int WindowStart { get; private set; }

    public static int WindowStartAt(long iteration, int shiftEvery, int steps) =>
        SlidingWindow.Start(iteration, shiftEvery, starts: steps - 1);

    public void BeginIteration(long iteration, Random random) => WindowStart = WindowStartAt(iteration, config.ShiftEvery, config.Steps);

    public NodeExpansion Expand(RolloutNode node)
    {
        bool inWindow = node.Step >= WindowStart && node.Step < Math.Min(WindowStart + config.Window, config.Steps - 1);
        return inWindow ? NodeExpansion.Sde(trained: true) : NodeExpansion.Ode;
    }
}
