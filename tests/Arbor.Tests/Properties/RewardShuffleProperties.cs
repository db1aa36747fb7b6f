using Arbor.Advantages;
using Arbor.Rewards;
using CsCheck;

namespace Arbor.Tests.Properties;

/// <summary>
/// Properties of the null control's shuffle (<see cref="RewardShuffle"/>) over random batches: up to 30 images in up to
/// 6 prompt groups, in any order, and any seed of the control's <see cref="Random"/>.
/// A failure prints the shrunk batch and its seed; rerun it with <c>seed:</c> or <c>CsCheck_Seed</c>.
/// </summary>
public class RewardShuffleProperties
{
    private static readonly Gen<(int[] Groups, int Seed)> Batches = Gen.Select(Gen.Int[0, 5].Array[0, 30], Gen.Int);

    /// <summary>
    /// source is a permutation of the images (each is the source of exactly one) that maps every image into its own
    /// prompt group. An implementation that shuffles the whole batch moves scores across prompts; one that draws each
    /// source independently (with replacement) repeats some images and loses others.
    /// </summary>
    [Fact]
    public void TheSourceIsAPermutationWithinEachGroup() =>
        Batches.Sample((groups, seed) =>
        {
            var source = RewardShuffle.WithinGroups(groups, new Random(seed));
            Assert.Equal(groups.Length, source.Length);
            Assert.Equal(Enumerable.Range(0, groups.Length), source.Order());
            for (int i = 0; i < groups.Length; i++)
            {
                Assert.True(groups[source[i]] == groups[i],
                    $"image {i} (group {groups[i]}) gets the scores of image {source[i]} (group {groups[source[i]]})");
            }
        }, iter: 500);

    /// <summary>
    /// Applied to each of several rewards with components (as <see cref="ScoringPath"/> does, one source for all), the
    /// permutation moves everything alike: image i gets reward k's score and every component of image source[i], so each
    /// group keeps its multiset of scores. Scattering instead of gathering (result[source[i]] = scores[i], the inverse
    /// permutation), or leaving the components in place, hands an image the score of one image and the components of another.
    /// </summary>
    [Fact]
    public void ApplyMovesEveryRewardAndComponentWithTheSamePermutation() =>
        Gen.Select(Batches, Gen.Int[1, 3], Gen.Int[0, 2]).Sample((batch, rewards, components) =>
        {
            var (groups, seed) = batch;
            int n = groups.Length;
            // values that name their reward, component and image, so where each one went can be read off it
            var scores = Enumerable.Range(0, rewards).Select(k => new RewardScores(
                Enumerable.Range(0, n).Select(i => 1000.0 * k + i).ToArray(),
                Enumerable.Range(0, components)
                    .ToDictionary(c => $"c{c}", c => Enumerable.Range(0, n).Select(i => 1000.0 * k + 100_000.0 * (c + 1) + i).ToArray())))
                .ToArray();
            var source = RewardShuffle.WithinGroups(groups, new Random(seed));
            for (int k = 0; k < rewards; k++)
            {
                var shuffled = RewardShuffle.Apply(scores[k], source);
                for (int i = 0; i < n; i++)
                {
                    Assert.Equal(scores[k].Scores[source[i]], shuffled.Scores[i]);
                    foreach (var (name, values) in scores[k].Components) Assert.Equal(values[source[i]], shuffled.Components[name][i]);
                }
                foreach (var g in groups.Distinct())
                {
                    var members = Enumerable.Range(0, n).Where(i => groups[i] == g).ToArray();
                    Assert.Equal(members.Select(i => scores[k].Scores[i]).Order(), members.Select(i => shuffled.Scores[i]).Order());
                }
            }
        }, iter: 300);
}
