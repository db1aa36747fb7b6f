namespace Arbor.Evaluation;

/// <summary>
/// Held-out evaluation (pretraining and RL alike): generate the test prompts with the 40-step ODE
/// (ALGORITHMS.md §2) and verify them. `every` counts steps in pretraining and iterations in RL.
/// </summary>
public sealed record EvalConfig
{
    /// <summary>Steps (pretraining) or iterations (RL) between evaluations; 0 = only at the start/end.</summary>
    public int Every { get; init; } = 25;
    /// <summary>Test prompts per task family.</summary>
    public int PromptsPerFamily { get; init; } = 16;
    /// <summary>ODE steps (ALGORITHMS.md §2: evaluation uses 40).</summary>
    public int Steps { get; init; } = 40;
    /// <summary>Classifier-free guidance weight (ALGORITHMS.md §5.1: 4.5).</summary>
    public double Guidance { get; init; } = 4.5;
    /// <summary>euler or heun.</summary>
    public string Sampler { get; init; } = "euler";
    /// <summary>Seed of the evaluation noise (fixed, so evaluations are comparable).</summary>
    public ulong Seed { get; init; } = 1234;

    public IEnumerable<string> Problems()
    {
        if (Every < 0) yield return "every must be >= 0";
        if (PromptsPerFamily < 1) yield return "prompts_per_family must be >= 1";
        if (Steps < 1) yield return "steps must be >= 1";
        if (Sampler is not ("euler" or "heun")) yield return $"sampler '{Sampler}' is unknown (expected euler or heun)";
    }
}
