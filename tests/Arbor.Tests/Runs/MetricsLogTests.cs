using Arbor.Runs;
using Arbor.Runs.Metrics;
using Arbor.TestKit;

namespace Arbor.Tests.Runs;

public class MetricsLogTests
{
    [Fact]
    public void TruncationKeepsTheLinesUpToTheCheckpointAndDropsATornLine()
    {
        using var temp = new TempDirectory("arbor-metrics-");
        var path = temp.File("metrics.jsonl");
        string[] lines =
        [
            """{"kind":"eval","step":0}""", """{"kind":"train","step":10,"loss":0.5}""", """{"kind":"eval","step":10}""",
            """{"kind":"train","step":20,"loss":0.4}""", """{"kind":"train","st""",
        ];
        File.WriteAllLines(path, lines);
        Assert.Equal(2, MetricsLog.TruncateAfter(path, MetricsPosition.Step, 10));
        Assert.Equal(lines[..3], File.ReadAllLines(path));
        Assert.True(MetricsLog.Has(path, MetricsLineHead.Eval, MetricsPosition.Step, 10));
        Assert.False(MetricsLog.Has(path, MetricsLineHead.Eval, MetricsPosition.Step, 20));
        Assert.Equal(0, MetricsLog.TruncateAfter(path, MetricsPosition.Step, 10));       // already exact: untouched
        Assert.False(File.Exists(path + ".tmp"));
    }
}
