using Arbor.Advantages;
using CsCheck;

namespace Arbor.Tests.Properties;

/// <summary>
/// Properties of GRPO's group-relative advantages (<see cref="GroupAdvantages"/>, ALGORITHMS.md §4), over random batches:
/// any number of samples and prompt groups, one to three weighted rewards, both aggregations, batch or group std,
/// with and without dropping zero-variance groups, and clips from tight to loose. Rewards are drawn partly from a few
/// integers so that ties and all-equal (degenerate) groups are common.
/// A failure prints the shrunk batch and its seed; rerun it with <c>seed:</c> or the environment variable
/// <c>CsCheck_Seed</c>.
/// </summary>
public class AdvantageProperties
{
    internal sealed record Batch(double[][] Rewards, double[] Weights, int[] Groups, AdvantageConfig Config)
    {
        public override string ToString() =>
            $"groups [{string.Join(", ", Groups)}]; rewards {string.Join(" | ", Rewards.Select(r => "[" + string.Join(", ", r) + "]"))}; " +
            $"weights [{string.Join(", ", Weights)}]; {Config}";
    }

    private static readonly Gen<double> Reward = Gen.Frequency(
        (2, Gen.Double[-10, 10]),
        (1, Gen.Int[-2, 2].Select(i => (double)i)));

    private static readonly Gen<AdvantageConfig> Config =
        Gen.Select(Gen.Bool, Gen.Bool, Gen.Enum<RewardAggregation>(),
            Gen.OneOf(Gen.Const(0.5), Gen.Const(2.0), Gen.Const(5.0), Gen.Const(1e6)),
            Gen.OneOf(Gen.Const(1e-4), Gen.Const(1e-2)),
            (globalStd, drop, aggregation, clip, epsilon) => new AdvantageConfig
            {
                GlobalStd = globalStd, DropZeroVariance = drop, Aggregation = aggregation, AdvantageClip = clip, Epsilon = epsilon,
            });

    internal static readonly Gen<Batch> Batches =
        from n in Gen.Int[1, 24]
        from k in Gen.Int[1, 3]
        from groups in Gen.Int[0, 4].Array[n]
        from rewards in Reward.Array[n].Array[k]
        from weights in Gen.Double[0.1, 2].Array[k]
        from config in Config
        select new Batch(rewards, weights, groups, config);

    private static AdvantageResult Compute(Batch b) =>
        GroupAdvantages.Compute(b.Rewards.Select(r => (IReadOnlyList<double>)r).ToList(), b.Weights, b.Groups, b.Config);

    private static bool Degenerate(Batch b, int[] members) => members.All(i => b.Rewards.All(r => r[i] == r[members[0]]));

    /// <summary>
    /// Every advantage lies in [−A_max, A_max]. An implementation that clips before aggregating several rewards (each
    /// z-score clipped, the weighted sum not), or forgets the clip, puts values outside.
    /// </summary>
    [Fact]
    public void EveryAdvantageLiesInsideTheClip() =>
        Batches.Sample(b =>
        {
            var a = Compute(b);
            Assert.Equal(b.Groups.Length, a.Values.Length);
            Assert.All(a.Values, v => Assert.InRange(v, -b.Config.AdvantageClip, b.Config.AdvantageClip));
        }, iter: 400, print: b => b.ToString());

    /// <summary>
    /// The precise form of "mean 0 per non-degenerate group": clipping moves values, so the mean is 0 for every group none
    /// of whose advantages was clipped, i.e. none lies on ±A_max (with A_max = 1e6 that is every group). An implementation
    /// that subtracts the batch mean instead of the group's, normalizes by the wrong group, or mixes samples across groups
    /// leaves a non-zero mean.
    /// </summary>
    [Fact]
    public void AnUnclippedGroupHasMeanZero() =>
        Batches.Sample(b =>
        {
            var a = Compute(b);
            foreach (var members in Enumerable.Range(0, b.Groups.Length).GroupBy(i => b.Groups[i]).Select(g => g.ToArray()))
            {
                var values = members.Select(i => a.Values[i]).ToArray();
                if (values.Any(v => Math.Abs(v) >= b.Config.AdvantageClip)) continue;
                double scale = Math.Max(1, values.Max(Math.Abs));
                Assert.True(Math.Abs(values.Average()) <= 1e-9 * scale,
                    $"group {b.Groups[members[0]]}: mean advantage {values.Average()} of [{string.Join(", ", values)}]");
            }
        }, iter: 400, print: b => b.ToString());

    /// <summary>
    /// A degenerate group (every reward equal on every sample) carries no signal: it is counted, and with
    /// <see cref="AdvantageConfig.DropZeroVariance"/> its samples are not kept and get advantage 0; every other sample is
    /// kept. An implementation that tests flatness on the weighted total only (two rewards that cancel), or drops a group
    /// whose rewards merely have equal means, breaks the count or the kept mask.
    /// </summary>
    [Fact]
    public void DegenerateGroupsAreCountedAndDroppedAndNoOtherIs() =>
        Batches.Sample(b =>
        {
            var a = Compute(b);
            var groups = Enumerable.Range(0, b.Groups.Length).GroupBy(i => b.Groups[i]).Select(g => g.ToArray()).ToList();
            Assert.Equal(groups.Count, a.Groups);
            Assert.Equal(groups.Count(g => Degenerate(b, g)), a.ZeroVarianceGroups);
            foreach (var members in groups)
            {
                bool dropped = b.Config.DropZeroVariance && Degenerate(b, members);
                foreach (var i in members)
                {
                    Assert.Equal(!dropped, a.Kept[i]);
                    if (dropped) Assert.Equal(0.0, a.Values[i]);
                }
            }
        }, iter: 400, print: b => b.ToString());
}
