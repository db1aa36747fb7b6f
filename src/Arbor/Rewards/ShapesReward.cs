using Arbor.Shapes;

namespace Arbor.Rewards;

/// <summary>
/// The Shapes verifier as a reward. "shapes" scores the dense partial credit (per-clause, times precision) and
/// reports the strict GenEval pass as its "strict" component. "shapes_strict" scores the pass itself (1 or 0,
/// GenEval's own metric) and reports the partial credit as its "partial" component.
/// Partial credit alone can be gamed: for "a circle and a cross" one good circle earns 0.5 while a circle next
/// to a failed cross earns 0.25 (the blob costs precision), so a policy learns to leave out the object it
/// draws badly. Weighting in "shapes_strict" pays only for complete images (docs/BENCHMARKS.md).
/// Prompts are parsed from text, so an unknown word fails naming it.
/// </summary>
public sealed class ShapesReward(ShapesVerifier? verifier = null, bool strict = false) : IRewardFunction
{
    private readonly ShapesVerifier _verifier = verifier ?? new ShapesVerifier();

    public string Name => strict ? "shapes_strict" : "shapes";

    public Task<RewardScores> ScoreAsync(RewardBatch batch, CancellationToken cancel = default)
    {
        var results = batch.Images.Select((img, i) => _verifier.Verify(img, batch.Prompts[i])).ToArray();
        var partial = results.Select(r => r.Score).ToArray();
        var pass = results.Select(r => r.Pass ? 1.0 : 0.0).ToArray();
        return Task.FromResult(strict
            ? new RewardScores(pass, new Dictionary<string, double[]> { ["partial"] = partial })
            : new RewardScores(partial, new Dictionary<string, double[]> { ["strict"] = pass }));
    }
}
