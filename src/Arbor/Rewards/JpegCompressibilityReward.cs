namespace Arbor.Rewards;

/// <summary>
/// DDPO's JPEG compressibility reward: −(JPEG size in kB) at quality 95, so simpler images score higher;
/// <see cref="Incompressible"/> flips the sign (DDPO's jpeg_incompressibility).
/// </summary>
public sealed class JpegCompressibilityReward(bool incompressible = false, int quality = 95) : IRewardFunction
{
    public bool Incompressible { get; } = incompressible;
    public string Name => Incompressible ? "jpeg_incompressibility" : "jpeg_compressibility";

    public Task<RewardScores> ScoreAsync(RewardBatch batch, CancellationToken cancel = default)
    {
        var kb = batch.Images.Select(img => TurboJpeg.EncodedSize(img, quality) / 1000.0).ToArray();
        var scores = kb.Select(k => Incompressible ? k : -k).ToArray();
        return Task.FromResult(new RewardScores(scores, new Dictionary<string, double[]> { ["jpeg_kb"] = kb }));
    }
}
