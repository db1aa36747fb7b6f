using Arbor.Shapes;

namespace Arbor.Tests.Shapes;

public class FamilyScoreboardTests
{
    [Fact]
    public void AggregatesPerFamilyAndOverallAsTheMeanOfFamilies()
    {
        var board = new FamilyScoreboard();
        board.Add(TaskFamily.Colors, true, 1);
        board.Add(TaskFamily.Colors, false, 0.5);
        board.Add(TaskFamily.Colors, false, 0);
        board.Add(TaskFamily.Colors, true, 1);
        board.Add(TaskFamily.Position, true, 1);

        Assert.Equal([TaskFamily.Colors, TaskFamily.Position], board.Families);
        Assert.Equal(4, board.Count(TaskFamily.Colors));
        Assert.Equal(0.5, board.Strict(TaskFamily.Colors));
        Assert.Equal(0.625, board.Partial(TaskFamily.Colors));
        Assert.Equal(0.75, board.OverallStrict);       // (0.5 + 1) / 2, not 3/5
        Assert.Equal(0.8125, board.OverallPartial);
        Assert.Equal(0.5, board.StrictByFamily["colors"]);
        Assert.Equal(0, board.Strict(TaskFamily.Counting));
        Assert.Contains("overall", board.ToString());
        Assert.Equal(0, new FamilyScoreboard().OverallStrict);
    }

    [Fact]
    public void AddsVerificationResultsUnderTheirPromptsFamily()
    {
        var board = new FamilyScoreboard();
        var spec = PromptSpec.Parse("two red squares");
        var (_, image) = ShapesTestKit.Render(spec, 1);
        board.Add(ShapesTestKit.Verifier.Verify(image, spec));
        board.Add(ShapesTestKit.Verifier.Verify(image, PromptSpec.Parse("three red squares")));
        Assert.Equal([TaskFamily.Counting], board.Families);
        Assert.Equal(0.5, board.Strict(TaskFamily.Counting));
    }
}
