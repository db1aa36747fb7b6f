using Arbor.Imaging;
using Arbor.Reporting;
using Arbor.TestKit;

namespace Arbor.Tests.Reporting;

public class RunReportTests : IDisposable
{
    [Fact]
    public void TheTrainingRewardTrendIsALeastSquaresSlopePer100IterationsPerSeries()
    {
        // reward = 0.1 + 0.01·iteration exactly: slope 1 per 100 iterations, SE 0; two_object's: 0.2, 0.4, 0.3 at 1, 2, 3
        // (slope 0.05 per iteration = 5 / 100, residuals −0.05, +0.1, −0.05: SSE 0.015, SE = √(0.015/1 / 2) per iteration)
        var lines = Enumerable.Range(1, 3).Select(i =>
            $$$"""{"kind":"train","iteration":{{{i}}},"reward_mean":{{{0.1 + 0.01 * i}}},"components":{"shapes":0.5""" +
                $$$""","shapes.strict":{{{0.1 * i}}}},"family_rewards":{"two_object":{{{new[] { 0.2, 0.4, 0.3 }[i - 1]}}}}}""");
        var rows = TrainingTrend.FromMetrics(Arbor.Runs.Metrics.RunMetrics.Read(lines).Iterations);
        Assert.Equal(["reward", "shapes.strict", "reward: two_object"], rows.Select(r => r.Series));
        Assert.Equal(1.0, rows[0].SlopePer100, 9);
        Assert.Equal(0.0, rows[0].SlopeSe, 9);
        Assert.Equal(5.0, rows[2].SlopePer100, 9);
        Assert.Equal(100 * Math.Sqrt(0.015 / 2), rows[2].SlopeSe, 9);
        Assert.Equal((0.2, 0.3), (rows[2].First, rows[2].Last));
    }

    private readonly TempDirectory _temp = new("arbor-report-");
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void ReportIsSelfContainedWithChartsTableAndGrids()
    {
        Directory.CreateDirectory(Path.Combine(_temp.Path, "samples"));
        File.WriteAllLines(Path.Combine(_temp.Path, "metrics.jsonl"),
        [
            """{"kind":"eval","iteration":0,"sets":{"in_distribution":{"n":8,"count":{"single_object":4,"counting":4}""" +
                ""","strict":{"single_object":0.5,"counting":0.25},"partial":{},"overall_strict":0.375,"overall_strict_sd":0.16""" +
                ""","overall_partial":0.5,"pass":"11000100","scores":[1,1,0,0,0,1,0,0]}}}""",
            """{"kind":"train","iteration":1,"reward_mean":0.2,"reward_std":0.1,"loss":0.01,"approx_kl":0,"kl":0,"clip_fraction":0""" +
                ""","zero_variance_share":0.5,"seconds_rollout":1,"seconds_reward":0.1,"seconds_train":2,"grad_norm":0.3}""",
            """{"kind":"train","iteration":2,"reward_mean":0.4,"reward_std":0.1,"loss":"NaN","approx_kl":1e-6,"kl":0""" +
                ""","clip_fraction":0.1,"zero_variance_share":0.25,"seconds_rollout":1,"seconds_reward":0.1,"seconds_train":2""" +
                ""","grad_norm":0.2}""",
            """{"kind":"eval","iteration":2,"sets":{"in_distribution":{"n":8,"count":{"single_object":4,"counting":4}""" +
                ""","strict":{"single_object":0.75,"counting":0.5},"partial":{},"overall_strict":0.625,"overall_strict_sd":0.16""" +
                ""","overall_partial":0.7,"pass":"11100110","scores":[1,1,1,0,0,1,1,0]}}}""",
        ]);
        PngEncoder.Write(Path.Combine(_temp.Path, "samples", "eval-000002.png"), new Image8(4, 4, 3));
        var path = RunReport.Write(_temp.Path, "test run");
        var html = File.ReadAllText(path);
        Assert.Contains("<svg", html);
        Assert.Contains("held-out accuracy: in_distribution", html);
        Assert.Contains("Held-out strict accuracy per family: in_distribution (n = 8", html);
        // paired 0 → 2: single_object gained prompt 2, counting gained prompt 6: +25
        // points each, exact McNemar p = 2 · 0.5² = 0.5 (2 discordant, both gained)
        Assert.Contains("Paired change, in_distribution (0 → 2)", html);
        Assert.Contains("<tr><td>overall</td><td>8</td><td>37.5 %</td><td>62.5 %</td><td>+25.0</td>", html);
        Assert.Contains("<td>0.500</td><td>2 / 0</td>", html);
        Assert.Contains("seconds per iteration by phase", html);
        Assert.Contains("<th>counting</th>", html);
        // every cell with its binomial SD: single_object 3/4, √(0.75·0.25/4) = 21.7; counting 2/4, √(0.25/4) = 25; overall as logged
        Assert.Contains("<tr><td>2</td><td>75 % ± 22</td><td>50 % ± 25</td><td><b>62.5 %</b> ± 16.0</td></tr>", html);
        Assert.Contains("<tr><td>0</td><td>50 % ± 25</td><td>25 % ± 22</td><td><b>37.5 %</b> ± 16.0</td></tr>", html);
        Assert.Contains("data:image/png;base64,", html);      // the grid is embedded, nothing external
        Assert.DoesNotContain("src=\"http", html);
    }

    [Fact]
    public void TheFailureBreakdownOfTheFirstAndLastEvaluationsIsTabulated()
    {
        File.WriteAllLines(Path.Combine(_temp.Path, "metrics.jsonl"),
        [
            """{"kind":"eval","iteration":0,"sets":{"compositional":{"n":4,"count":{"two_object":4},"strict":{"two_object":0.25}""" +
                ""","partial":{},"overall_strict":0.25,"overall_strict_sd":0.2,"overall_partial":0.5,"pass":"1000","scores":[1,0.5,0.5""" +
                """,0],"failures":{"two_object":{"results":4,"failed":3,"reasons":{"missing_object":3}}}}}}""",
            """{"kind":"eval","iteration":5,"sets":{"compositional":{"n":4,"count":{"two_object":4},"strict":{"two_object":0.5}""" +
                ""","partial":{},"overall_strict":0.5,"overall_strict_sd":0.25,"overall_partial":0.6,"pass":"1100","scores":[1,1,0.4,0]""" +
                ""","failures":{"two_object":{"results":4,"failed":2,"reasons":{"missing_object":1,"extra_of_shape":2}}}}}}""",
        ]);
        var html = File.ReadAllText(RunReport.Write(_temp.Path, "rl run"));
        Assert.Contains("Why held-out prompts failed: compositional (0 → 5)", html);
        Assert.Contains("<th>missing object</th><th>extra of shape</th>", html);
        Assert.Contains("<tr><td>two_object</td><td>3 → 2</td><td>3 → 1</td><td>0 → 2</td></tr>", html);
    }

    [Fact]
    public void EvaluationsThatDoNotPairAreSaidToNotPairAndTheReportIsStillWritten()
    {
        // a run resumed with another prompts_per_family: 2 prompts at iteration 0, 1 at iteration 4
        File.WriteAllLines(Path.Combine(_temp.Path, "metrics.jsonl"),
        [
            """{"kind":"eval","iteration":0,"sets":{"compositional":{"n":2,"count":{"colors":2},"strict":{"colors":0.5},"partial":{}""" +
                ""","overall_strict":0.5,"overall_strict_sd":0.35,"overall_partial":0.5,"pass":"10","scores":[1,0]}}}""",
            """{"kind":"eval","iteration":4,"sets":{"compositional":{"n":1,"count":{"colors":1},"strict":{"colors":1},"partial":{}""" +
                ""","overall_strict":1,"overall_strict_sd":0,"overall_partial":1,"pass":"1","scores":[1]}}}""",
        ]);
        var html = File.ReadAllText(RunReport.Write(_temp.Path, "resumed run"));
        Assert.Contains("No paired change for compositional", html);
        Assert.Contains("2 and 1 prompts", html);
    }
}
