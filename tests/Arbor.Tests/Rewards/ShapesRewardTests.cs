using Arbor.Rewards;
using Arbor.Shapes;
using Arbor.Tests.Shapes;

namespace Arbor.Tests.Rewards;

public class ShapesRewardTests
{
    private const string Pair = "a circle and a cross";

    private static (RewardScores Partial, RewardScores Strict) Score(params (string Drawn, string Prompt)[] items)
    {
        var images =
            items.Select(p => p.Drawn == "" ? ShapesTestKit.Blank(32) : ShapesTestKit.Render(PromptSpec.Parse(p.Drawn), 7).Image).ToList();
        var batch = new RewardBatch(images, items.Select(p => p.Prompt).ToList());
        return (BuiltInRewards.Create("shapes").ScoreAsync(batch).Result, BuiltInRewards.Create("shapes_strict").ScoreAsync(batch).Result);
    }

    [Fact]
    public void StrictScoresTheGenEvalPassAndReportsPartialCreditAsAComponent()
    {
        // Complete image, half the prompt drawn, nothing drawn.
        var (partial, strict) = Score((Pair, Pair), ("a circle", Pair), ("", Pair));
        Assert.Equal([1.0, 0.5, 0.0], partial.Scores);
        Assert.Equal([1.0, 0.0, 0.0], partial.Components["strict"]);
        Assert.Equal([1.0, 0.0, 0.0], strict.Scores);
        Assert.Equal(partial.Scores, strict.Components["partial"]);
    }

    [Fact]
    public void TheStrictRewardIsNamedInConfigsAndTheServer()
    {
        Assert.Contains("shapes_strict", BuiltInRewards.Names);
        Assert.Equal("shapes_strict", BuiltInRewards.Create("shapes_strict").Name);
        Assert.Equal("shapes", BuiltInRewards.Create("shapes").Name);
    }
}
