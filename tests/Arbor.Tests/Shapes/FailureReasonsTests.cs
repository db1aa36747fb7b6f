using Arbor.Shapes;

namespace Arbor.Tests.Shapes;

public class FailureReasonsTests
{
    private static IReadOnlyList<string> Reasons(string prompt, string rendered, int extra = 0, ulong seed = 7) =>
        FailureReasons.Of(ShapesTestKit.Verifier.Verify(ShapesTestKit.Render(PromptSpec.Parse(rendered), seed, extraObjects: extra).Image,
            PromptSpec.Parse(prompt)));

    [Fact]
    public void EachKindOfMistakeIsNamedAndNothingElse()
    {
        Assert.Empty(Reasons("a red circle", "a red circle"));
        Assert.Equal([FailureReasons.Color], Reasons("a red circle", "a blue circle"));
        Assert.Equal([FailureReasons.Size], Reasons("a small circle", "a large circle"));
        Assert.Equal([FailureReasons.MissingObject, FailureReasons.Unrequested], Reasons("a red circle", "a red square"));
        Assert.Equal([FailureReasons.MissingObject], Reasons("a circle and a cross", "a circle"));
        Assert.Equal([FailureReasons.Unrequested], Reasons("a circle", "a circle", extra: 1));
        Assert.Equal([FailureReasons.ExtraOfShape], Reasons("three circles", "four circles"));
        Assert.Equal([FailureReasons.MissingObject], Reasons("three circles", "two circles"));
        Assert.Equal([FailureReasons.Relation], Reasons("a circle to the left of a cross", "a circle to the right of a cross"));
    }

    [Fact]
    public void ARegionMistakeIsBlamedOnTheRegionNotOnTheEarlierAttributes()
    {
        Assert.Equal([FailureReasons.Region], Reasons("a red circle on the left", "a red circle on the right"));
        // The checks are cumulative, so once the color is wrong the region of "a red circle" is not judged.
        Assert.Equal([FailureReasons.Color], Reasons("a red circle on the left", "a blue circle on the right"));
    }

    [Fact]
    public void TheTallyCountsFailedResultsPerFamilyAndReason()
    {
        var v = ShapesTestKit.Verifier;
        var tally = new FailureTally();
        void Add(string prompt, string rendered, int extra = 0) =>
            tally.Add(v.Verify(ShapesTestKit.Render(PromptSpec.Parse(rendered), 3, extraObjects: extra).Image, PromptSpec.Parse(prompt)));
        Add("a circle", "a circle");
        Add("a circle", "a circle", extra: 1);
        Add("a cross", "a square");
        Add("a red cross", "a blue cross");

        Assert.Equal([TaskFamily.SingleObject, TaskFamily.Colors], tally.Families);
        Assert.Equal(3, tally.Results(TaskFamily.SingleObject));
        Assert.Equal(2, tally.Failed(TaskFamily.SingleObject));
        // the extra circle's square, and the square for a cross
        Assert.Equal(2, tally.Count(TaskFamily.SingleObject, FailureReasons.Unrequested));
        Assert.Equal(1, tally.Count(TaskFamily.SingleObject, FailureReasons.MissingObject));
        Assert.Equal(1, tally.Count(TaskFamily.Colors, FailureReasons.Color));
        Assert.Equal(0, tally.Count(TaskFamily.Counting, FailureReasons.Color));
    }

    [Fact]
    public void TablesListReasonsInTheVerifiersOrderThenOthersAsSeen()
    {
        Assert.Equal(
            ["missing_object", "color", "region", "my_reward_said_so", "blurry"],
            Arbor.Shapes.FailureReasons.Order(["region", "my_reward_said_so", "color", "missing_object", "blurry", "region"]));
    }
}
