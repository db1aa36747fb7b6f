using Arbor.Reporting;

namespace Arbor.Tests.Reporting;

public class SvgChartTests
{
    [Fact]
    public void ALossAxisOfTinyValuesReadsNiceTicksWithOneSharedExponent()
    {
        // the losses that once read "0.000328, 0.000392, -0.00111": steps of 5e-4, shown once as ×1e-3
        var axis = SvgChart.Axis.Nice(-0.00111, 0.000392, 5);
        Assert.Equal(-3, axis.Exponent);
        Assert.Equal(["-1.5", "-1.0", "-0.5", "0.0", "0.5"], Enumerable.Range(0, axis.Ticks.Count).Select(axis.Label));
        var plain = SvgChart.Axis.Nice(0.1, 0.4, 5);
        Assert.Equal(0, plain.Exponent);
        Assert.Equal(["0.1", "0.2", "0.3", "0.4"], Enumerable.Range(0, plain.Ticks.Count).Select(plain.Label));
        var iterations = SvgChart.Axis.Nice(1, 4, 6, integers: true);
        Assert.Equal(["1", "2", "3", "4"], Enumerable.Range(0, iterations.Ticks.Count).Select(iterations.Label));
    }

    [Fact]
    public void TheLegendSitsAboveThePlotNotOnIt()
    {
        var svg = SvgChart.Lines("reward", [("mean", [(0.0, 1.0), (1.0, 2.0)]), ("std", [(0.0, 0.5), (1.0, 0.4)])], "iteration");
        // the legend's text baseline (y = 31) lies above the highest plotted point (the plot starts at y = 42)
        Assert.Contains(">mean</text>", svg);
        var ys = System.Text.RegularExpressions.Regex.Matches(svg, "<circle cx=\"[0-9.]+\" cy=\"([0-9.]+)\"")
            .Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture));
        Assert.All(ys, y => Assert.True(y >= 42, $"a point at y = {y} lies under the legend"));
    }
}
