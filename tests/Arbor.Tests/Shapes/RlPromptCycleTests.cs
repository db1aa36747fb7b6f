using Arbor.Configuration;
using Arbor.Shapes;
using Arbor.Training;

namespace Arbor.Tests.Shapes;

public class RlPromptCycleTests
{
    [Fact]
    public void WithoutWeightsEveryFamilyComesInTurnAsBefore()
    {
        var cycle = new RlPromptCycle(new Dictionary<string, int>());
        for (long k = 0; k < 50; k++)
            Assert.Equal((TaskFamilies.All[(int)(k % 6)], k / 6), cycle.At(k));
    }

    [Fact]
    public void AWeightOfTwoInterleavesTheFamilyTwicePerCycleAndZeroDropsOne()
    {
        var cycle = new RlPromptCycle(new Dictionary<string, int> { ["two_object"] = 2, ["single_object"] = 0 });
        // cycle: colors two_object color_attr counting position | two_object
        var families = Enumerable.Range(0, 12).Select(k => cycle.At(k).Family.Name()).ToArray();
        Assert.Equal(["colors", "two_object", "color_attr", "counting", "position", "two_object",
                      "colors", "two_object", "color_attr", "counting", "position", "two_object"], families);
        // each family's prompts in order, without gaps or repeats
        Assert.Equal([0L, 1, 2, 3, 4, 5],
            Enumerable.Range(0, 18).Select(k => cycle.At(k)).Where(x => x.Family == TaskFamily.TwoObject).Select(x => x.IndexInFamily));
        Assert.Equal([0L, 1, 2],
            Enumerable.Range(0, 18).Select(k => cycle.At(k)).Where(x => x.Family == TaskFamily.Colors).Select(x => x.IndexInFamily));
    }

    [Fact]
    public void BadWeightsAreConfigErrorsNamingThem()
    {
        var e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Parse<GrpoTrainConfig>("train:\n  family_weights:\n    twoobject: 2\n", "t.yaml"));
        Assert.Contains("train.family_weights: 'twoobject' is not a task family", e.Message);
        e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Parse<GrpoTrainConfig>("train:\n  family_weights:\n    counting: -1\n", "t.yaml"));
        Assert.Contains("train.family_weights.counting must be >= 0", e.Message);
        var all0 = string.Join("", TaskFamilies.All.Select(f => $"    {f.Name()}: 0\n"));
        e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>("train:\n  family_weights:\n" + all0, "t.yaml"));
        Assert.Contains("at least one family needs a weight above 0", e.Message);
        var ok = ConfigLoader.Parse<GrpoTrainConfig>("train:\n  family_weights:\n    counting: 3\n", "t.yaml");
        Assert.Equal(3, ok.Train.FamilyWeights["counting"]);
    }
}
