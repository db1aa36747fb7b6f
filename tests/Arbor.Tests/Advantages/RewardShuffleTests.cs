using Arbor.Advantages;
using Arbor.Rewards;

namespace Arbor.Tests.Advantages;

public class RewardShuffleTests
{
    [Fact]
    public void EveryImageTakesTheScoresOfAnImageOfItsOwnPrompt()
    {
        int[] groupOf = [0, 0, 0, 0, 1, 1, 1, 2, 0, 1];
        var source = RewardShuffle.WithinGroups(groupOf, new Random(3));
        Assert.Equal(Enumerable.Range(0, groupOf.Length), source.Order());          // a permutation
        Assert.All(Enumerable.Range(0, groupOf.Length), i => Assert.Equal(groupOf[i], groupOf[source[i]]));
        Assert.Equal(7, source[7]);                                                   // a group of one keeps its score
        Assert.Equal(source, RewardShuffle.WithinGroups(groupOf, new Random(3)));     // a function of the seed
        Assert.NotEqual(Enumerable.Range(0, groupOf.Length), source);                 // and it does move scores
    }

    [Fact]
    public void ScoresAndComponentsMoveTogether()
    {
        var scores = new RewardScores([0.1, 0.2, 0.3], new Dictionary<string, double[]> { ["strict"] = [0, 1, 0] });
        var moved = RewardShuffle.Apply(scores, [2, 0, 1]);
        Assert.Equal([0.3, 0.1, 0.2], moved.Scores);
        Assert.Equal([0.0, 0.0, 1.0], moved.Components["strict"]);
    }
}
