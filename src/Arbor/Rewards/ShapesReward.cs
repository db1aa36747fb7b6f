using Arbor.Shapes;

namespace Arbor.Rewards;

/// <summary>
/// The Shapes verifier as a reward: its dense partial credit (per-clause, times precision) is the score;
/// the strict GenEval pass is reported as the "strict" component. Prompts are parsed from text, so an
/// unknown word fails naming it.
/// </summary>
public sealed class ShapesReward(ShapesVerifier? verifier = null) : IRewardFunction
{
    private readonly ShapesVerifier _verifier = verifier ?? new ShapesVerifier();

    public string Name => "shapes";

    public Task<RewardScores> ScoreAsync(RewardBatch batch, CancellationToken cancel = default)
    {
        var results = batch.Images.Select((img, i) => _verifier.Verify(img, batch.Prompts[i])).ToArray();
        return Task.FromResult(new RewardScores(
            results.Select(r => r.Score).ToArray(),
            new Dictionary<string, double[]> { ["strict"] = results.Select(r => r.Pass ? 1.0 : 0.0).ToArray() }));
    }
}
