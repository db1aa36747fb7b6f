using Arbor.Advantages;
using Arbor.Reporting;

namespace Arbor.Tests.Reporting;

public class TreePictureTests
{
    [Fact]
    public void TheTreeShowsBranchesAdvantagesCollapsedOdeChainsAndTheBestLeaf()
    {
        var (forest, _, _, _) = Advantages.TreeBackupTests.HandMadeTree();
        var leaves = forest.Leaves;
        leaves[0].Reward = 1.0;
        leaves[1].Reward = 0.0;
        leaves[2].Reward = 3.0;
        TreeBackup.Assign(forest, [0.5, -1.0, 1.5]);
        var svg = TreePicture.Svg(forest, 0, 0, "hand-made");
        Assert.StartsWith("<svg", svg);
        Assert.Contains("3.00 best", svg);                  // leaf L3 has the highest reward
        Assert.Contains("+0.50", svg);                      // b → L1
        Assert.Contains("-1.00", svg);                      // b → L2
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(svg, "stroke-width=\"3\""));
        Assert.Throws<ArgumentException>(() => TreePicture.Svg(forest, 1, 0, "no such prompt"));
    }
}
