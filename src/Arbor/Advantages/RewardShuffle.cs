using Arbor.Rewards;

namespace Arbor.Advantages;

/// <summary>
/// The null control of <see cref="AdvantageConfig.ShuffleRewards"/>: one random permutation of the images of
/// each prompt, applied alike to every reward and reward component, so that an image gets the scores of another
/// image of the same prompt.
/// </summary>
public static class RewardShuffle
{
    /// <summary>
    /// source[i]: the image whose scores image i receives. It lies in i's group, and every image is the source of
    /// exactly one image (Fisher–Yates within each group, groups in order of first appearance).
    /// </summary>
    public static int[] WithinGroups(IReadOnlyList<int> groupOf, Random random) => WithinGroups(groupOf, _ => random);

    /// <summary>
    /// The same, each group shuffled with its own <paramref name="randomFor"/>(group): a group's permutation then does not
    /// depend on which other groups are shuffled with it (another rank's share in data-parallel training).
    /// </summary>
    public static int[] WithinGroups(IReadOnlyList<int> groupOf, Func<int, Random> randomFor)
    {
        var source = new int[groupOf.Count];
        foreach (var group in Enumerable.Range(0, groupOf.Count).GroupBy(i => groupOf[i]))
        {
            var members = group.ToArray();
            var random = randomFor(group.Key);
            var shuffled = (int[])members.Clone();
            for (int k = shuffled.Length - 1; k > 0; k--)
            {
                int j = random.Next(k + 1);
                (shuffled[k], shuffled[j]) = (shuffled[j], shuffled[k]);
            }
            for (int k = 0; k < members.Length; k++) source[members[k]] = shuffled[k];
        }
        return source;
    }

    /// <summary>The scores (and components) reordered: result[i] = scores[source[i]].</summary>
    public static RewardScores Apply(RewardScores scores, int[] source) => new(
        source.Select(i => scores.Scores[i]).ToArray(),
        scores.Components.ToDictionary(c => c.Key, c => source.Select(i => c.Value[i]).ToArray()));
}
