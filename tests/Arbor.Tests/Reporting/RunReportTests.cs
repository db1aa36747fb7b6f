using Arbor.Imaging;
using Arbor.Reporting;

namespace Arbor.Tests.Reporting;

public class RunReportTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "arbor-report-" + Guid.NewGuid().ToString("N"));
    public void Dispose() { if (Directory.Exists(_dir)) Directory.Delete(_dir, true); }

    [Fact]
    public void ReportIsSelfContainedWithChartsTableAndGrids()
    {
        Directory.CreateDirectory(Path.Combine(_dir, "samples"));
        File.WriteAllLines(Path.Combine(_dir, "metrics.jsonl"),
        [
            """{"kind":"eval","iteration":0,"strict":{"single_object":0.5,"counting":0.25},"partial":{},"overall_strict":0.375,"overall_partial":0.5}""",
            """{"kind":"train","iteration":1,"reward_mean":0.2,"reward_std":0.1,"loss":0.01,"approx_kl":0,"kl":0,"clip_fraction":0,"zero_variance_share":0.5,"seconds_rollout":1,"seconds_reward":0.1,"seconds_train":2,"grad_norm":0.3}""",
            """{"kind":"train","iteration":2,"reward_mean":0.4,"reward_std":0.1,"loss":"NaN","approx_kl":1e-6,"kl":0,"clip_fraction":0.1,"zero_variance_share":0.25,"seconds_rollout":1,"seconds_reward":0.1,"seconds_train":2,"grad_norm":0.2}""",
            """{"kind":"eval","iteration":2,"strict":{"single_object":0.75,"counting":0.5},"partial":{},"overall_strict":0.625,"overall_partial":0.7}""",
        ]);
        PngEncoder.Write(Path.Combine(_dir, "samples", "eval-000002.png"), new Image8(4, 4, 3));
        var path = RunReport.Write(_dir, "test run");
        var html = File.ReadAllText(path);
        Assert.Contains("<svg", html);
        Assert.Contains("held-out strict accuracy", html);
        Assert.Contains("seconds per iteration by phase", html);
        Assert.Contains("<th>counting</th>", html);
        Assert.Contains("62.5", html);                        // overall strict at iteration 2
        Assert.Contains("data:image/png;base64,", html);      // the grid is embedded, nothing external
        Assert.DoesNotContain("src=\"http", html);
    }

    [Fact]
    public void TheFailureBreakdownOfTheFirstAndLastEvaluationsIsTabulated()
    {
        Directory.CreateDirectory(_dir);
        File.WriteAllLines(Path.Combine(_dir, "metrics.jsonl"),
        [
            """{"kind":"eval","iteration":0,"strict":{"two_object":0.25},"partial":{},"overall_strict":0.25,"overall_partial":0.5,"failures":{"two_object":{"results":4,"failed":3,"reasons":{"missing_object":3}}}}""",
            """{"kind":"eval","iteration":5,"strict":{"two_object":0.5},"partial":{},"overall_strict":0.5,"overall_partial":0.6,"failures":{"two_object":{"results":4,"failed":2,"reasons":{"missing_object":1,"extra_of_shape":2}}}}""",
        ]);
        var html = File.ReadAllText(RunReport.Write(_dir, "rl run"));
        Assert.Contains("Why held-out prompts failed (iteration 0 → 5)", html);
        Assert.Contains("<th>missing object</th><th>extra of shape</th>", html);
        Assert.Contains("<tr><td>two_object</td><td>3 → 2</td><td>3 → 1</td><td>0 → 2</td></tr>", html);
    }
}
