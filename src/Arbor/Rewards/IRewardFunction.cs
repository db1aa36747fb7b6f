using Arbor.Imaging;

namespace Arbor.Rewards;

/// <summary>A batch to score: images with the prompts that produced them and optional per-image metadata.</summary>
public sealed record RewardBatch(IReadOnlyList<Image8> Images, IReadOnlyList<string> Prompts,
    IReadOnlyList<IReadOnlyDictionary<string, string>>? Metadata = null)
{
    public int Count => Images.Count;
}

/// <summary>
/// Scores per image, plus named components (e.g. the Shapes verifier's strict pass next to its partial
/// credit) that are logged but not optimized.
/// </summary>
public sealed record RewardScores(double[] Scores, IReadOnlyDictionary<string, double[]> Components)
{
    public static RewardScores Of(double[] scores) => new(scores, new Dictionary<string, double[]>());
}

/// <summary>
/// A reward over a batch. Asynchronous so that a remote reward (an HTTP server with a large model
/// behind it) overlaps the next rollout instead of stalling it.
/// </summary>
public interface IRewardFunction
{
    string Name { get; }
    Task<RewardScores> ScoreAsync(RewardBatch batch, CancellationToken cancel = default);
}
