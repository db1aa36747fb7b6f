using System.Text.Json;
using System.Xml.Linq;
using Arbor.Cli.Bench;
using Arbor.Evaluation;
using Arbor.Reporting;
using Arbor.Tensors;
using Arbor.Training;
using Arbor.TestKit;

namespace Arbor.Cli.Tests;

/// <summary>`arbor bench strategies`' statistics and summary on hand-made paired outcomes (no model runs).</summary>
public class StrategyComparisonTests : IDisposable
{
    readonly TempDirectory _temp = new("arbor-cli-strategies-");

    public void Dispose() => _temp.Dispose();

    /// <summary>The base's pass bits on 4 compositional prompts: colors, colors, counting, counting.</summary>
    const string Base = "0010";

    static SetEvaluation Eval(string bits) => new(HeldOutSet.Compositional,
        [.. bits.Select((b, i) => new SampleOutcome(i < 2 ? "colors" : "counting", $"prompt {i}", b == '1', b == '1' ? 1 : 0.5))]);

    /// <summary>A run of <paramref name="config"/> on <paramref name="seed"/> from the
    /// base to <paramref name="after"/>, through the same path as a real run.</summary>
    static StrategyResult Run(string config, ulong seed, string after, IReadOnlyList<TrendRow>? trends = null)
    {
        var (before, last) = (Eval(Base), Eval(after));
        var set = SetResult.From(HeldOutComparison.Between(before, last), before, last, null, [before.OverallStrict, last.OverallStrict]);
        return new StrategyResult(config, "flow_grpo", seed, 10, [set], 6, 5, 0.1, 0.9, 100, 50, 70, 60, [0, 60], trends ?? [],
            double.NaN, double.NaN);
    }

    /// <summary>
    /// A run evaluated at training seconds <paramref name="seconds"/> on the in_distribution set, with these pass bits
    /// (4 prompts) at each evaluation: the curve a run with eval_every leaves in results.json.
    /// </summary>
    static StrategyResult Curve(string config, ulong seed, double[] seconds, params string[] bits)
    {
        static SetEvaluation InDistribution(string b) => new(HeldOutSet.InDistribution,
            [.. b.Select((c, i) => new SampleOutcome(i < 2 ? "colors" : "counting", $"prompt {i}", c == '1', c == '1' ? 1 : 0.5))]);
        var (before, last) = (InDistribution(bits[0]), InDistribution(bits[^1]));
        var set = SetResult.From(HeldOutComparison.Between(before, last), before, last, null,
            [.. bits.Select(b => InDistribution(b).OverallStrict)]);
        return new StrategyResult(config, "flow_grpo", seed, 10, [set], 6, 5, 0.1, 0.9, 100, 50, 70, seconds[^1], seconds, [],
            double.NaN, double.NaN);
    }

    [Fact]
    public void ARunTakesTheBudgetsSeedBaseAndPrecisionsAndKeepsTheConfigsWhereTheBudgetIsSilent()
    {
        var cfg = new GrpoTrainConfig
        {
            Seed = 7,
            Train = new GrpoScheduleConfig { Iterations = 100, Precision = Precision.Fp32 },
            Eval = new EvalConfig { Every = 50, Precision = Precision.Bf16 },
        };
        var timed = StrategyComparison.ForRun(cfg, 2, new ComparisonBudget(50, 30, 0, 64, 0.1, Precision.Fp32, Precision.Bf16),
            "models/base");
        Assert.Equal((2ul, "models/base"), (timed.Seed, timed.Model));
        // a minutes budget: the clock ends the run, the iteration count is only a bound far beyond it
        Assert.Equal((100_000, 30.0, 10), (timed.Train.Iterations, timed.Train.TimeBudgetMinutes, timed.Train.CheckpointEvery));
        Assert.Equal((Precision.Bf16, Precision.Fp32), (timed.Train.Precision, timed.Eval.Precision));
        Assert.Equal((0, 64), (timed.Eval.Every, timed.Eval.PromptsPerFamily));

        var counted = StrategyComparison.ForRun(cfg, 0, new ComparisonBudget(4, 0, 2, 8, 0.1), "m");
        Assert.Equal((4, 0.0, 4), (counted.Train.Iterations, counted.Train.TimeBudgetMinutes, counted.Train.CheckpointEvery));
        Assert.Equal((Precision.Fp32, Precision.Bf16), (counted.Train.Precision, counted.Eval.Precision));
    }

    [Fact]
    public void ATableMergesResultsSavedApartAsOneCommandOverAllOfThemWouldSummarizeThem()
    {
        string Saved(string name, params StrategyResult[] runs)
        {
            var dir = Path.Combine(_temp.Path, name);
            Directory.CreateDirectory(dir);
            StrategyComparison.Save(runs, Path.Combine(dir, StrategyComparison.ResultsFile));
            return dir;
        }
        var first = Saved("session1", Run("a.yaml", 0, "1110"), Run("b.yaml", 0, "0110"));
        var second = Path.Combine(Saved("session2", Run("a.yaml", 1, "1011")), StrategyComparison.ResultsFile);

        var merged = StrategyTable.Merge([first, second]);
        Assert.Equal(["a.yaml/0", "b.yaml/0", "a.yaml/1"], merged.Select(x => $"{x.Config}/{x.Seed}"));
        // read back as written: the pass bits that pair runs, and the paired change
        Assert.Equal("1011", merged[2].Primary.PassAfter);
        Assert.Equal(Run("a.yaml", 1, "1011").Primary.Change, merged[2].Primary.Change);
        var budget = new ComparisonBudget(10, 0, 0, 2, 0.1);
        var utc = new DateTime(2026, 12, 7, 22, 0, 0, DateTimeKind.Utc);
        Assert.Equal(StrategySummary.Of([Run("a.yaml", 0, "1110"), Run("b.yaml", 0, "0110"), Run("a.yaml", 1, "1011")], budget,
            [0, 1], utc).Markdown, StrategySummary.Of(merged, budget, [0, 1], utc).Markdown);
        Assert.StartsWith("`arbor bench table` over 2 results (10 iterations per run, seeds 0, 1,",
            StrategySummary.Of(merged, budget, [0, 1], utc, "`arbor bench table` over 2 results").Markdown);

        // the same config and seed twice, or runs evaluated on other prompts, would make a table that pairs nothing right
        var again = Saved("again", Run("a.yaml", 1, "0000"));
        Assert.Contains("a.yaml seed 1 is in both",
            Assert.Throws<ArgumentException>(() => StrategyTable.Merge([first, second, again])).Message);
        var wider = Run("c.yaml", 0, "1110") with { Sets = [Run("c.yaml", 0, "1110").Primary with { N = 5 }] };
        Assert.Contains("runs pair only on the same held-out prompts",
            Assert.Throws<ArgumentException>(() => StrategyTable.Merge([first, Saved("wider", wider)])).Message);
        File.WriteAllText(Path.Combine(_temp.Path, "not.json"), "{\"kind\": \"eval\"}");
        Assert.Contains("is not a `bench strategies` results.json",
            Assert.Throws<InvalidDataException>(() => StrategyTable.Merge([Path.Combine(_temp.Path, "not.json")])).Message);
    }

    [Fact]
    public void TheChartShowsEachConfigsMeanAccuracyOverTimeWithItsSeedsSpread()
    {
        // a: three evaluations per seed (eval_every), minutes 0, 1 | 1.1, 2 | 2.1; b: before and after only, at 2.5 | 3.5 minutes
        StrategyResult[] results =
        [
            Curve("a.yaml", 0, [0, 60, 120], "0000", "1000", "1100"),
            Curve("b.yaml", 0, [0, 150], "0000", "1110"),
            Curve("a.yaml", 1, [0, 66, 126], "0000", "1100", "1110"),
            Curve("b.yaml", 1, [0, 210], "0000", "1000"),
        ];

        var series = StrategyChart.Series(results, StrategyChart.SetOf(results));
        Assert.Equal("in_distribution", StrategyChart.SetOf(results));
        Assert.Equal(["a.yaml", "b.yaml"], series.Select(s => s.Name));
        // strict accuracy is the mean over the two families: 1000 → 25 %, 1100 → 50 %, 1110 → 75 %
        Assert.Equal([(0.0, 0.0, 0.0, 0.0), (1.05, 37.5, 25.0, 50.0), (2.05, 62.5, 50.0, 75.0)], series[0].Points);
        Assert.Equal([(0.0, 0.0, 0.0, 0.0), (3.0, 50.0, 25.0, 75.0)], series[1].Points);

        var summary = StrategySummary.Of(results, new ComparisonBudget(10, 0, 30, 2, 0.1), [0, 1],
            new DateTime(2026, 12, 2, 8, 30, 0, DateTimeKind.Utc));
        summary.WriteTo(_temp.Path);
        var svg = XDocument.Load(Path.Combine(_temp.Path, "accuracy-vs-time.svg"));
        XNamespace ns = "http://www.w3.org/2000/svg";
        var groups = svg.Descendants(ns + "g").Where(g => (string?)g.Attribute("class") == "series").ToList();
        Assert.Equal(["a.yaml", "b.yaml"], groups.Select(g => (string?)g.Attribute("data-name")));
        // each config: one mean line through its points, and the seeds' min–max band around it (2 × points corners)
        Assert.Equal([3, 2], groups.Select(g => g.Element(ns + "polyline")!.Attribute("points")!.Value.Split(' ').Length));
        Assert.Equal([6, 4], groups.Select(g =>
            g.Elements(ns + "polygon").Single(p => (string?)p.Attribute("class") == "band").Attribute("points")!.Value.Split(' ').Length));
        Assert.Contains("in_distribution strict accuracy (%) against training time (mean and min–max over 2 seeds)",
            svg.Root!.Element(ns + "title")!.Value);

        var md = File.ReadAllText(Path.Combine(_temp.Path, "summary.md"));
        Assert.Equal(summary.Markdown, md);
        Assert.Contains("![in_distribution strict accuracy against training minutes, per config](accuracy-vs-time.svg)", md);
    }

    [Fact]
    public void BetweenPairsTheFinalPassBitsOfSharedSeedsAndTheirChangesOverSeeds()
    {
        // A's seed 2 has no partner in B: left out
        StrategyResult[] a = [Run("a.yaml", 0, "1110"), Run("a.yaml", 1, "1011"), Run("a.yaml", 2, "0000")];
        StrategyResult[] b = [Run("b.yaml", 1, "0001"), Run("b.yaml", 0, "0110")];
        var (perPrompt, overSeeds) = StrategyComparison.Between(a, b, "compositional");

        // B → A per prompt, seed 0: 0110 → 1110 gains prompt 0; seed 1: 0001 → 1011 gains prompts 0 and 2. n 8, gained 3, lost 0:
        // +3/8, Wald var ((3) − 9/8)/64, exact McNemar p = 2 · 0.5³ = 0.25
        double halfWidth = 1.959963984540054 * Math.Sqrt((3 - 9.0 / 8) / 64);
        Assert.Equal((8, 3.0 / 8, 6.0 / 8, 3.0 / 8, 3, 0),
            (perPrompt.N, perPrompt.Before, perPrompt.After, perPrompt.Change, perPrompt.Gained, perPrompt.Lost));
        Assert.Equal(0.25, perPrompt.PValue, 12);   // summed in log-space: exact to rounding
        Assert.Equal(3.0 / 8 - halfWidth, perPrompt.Low, 12);
        Assert.Equal(3.0 / 8 + halfWidth, perPrompt.High, 12);

        // over seeds, each run's overall change from the base (mean of colors' and counting's changes):
        // A: seed 0 (+1 + 0)/2 = 0.5, seed 1 (+0.5 + 0.5)/2 = 0.5; B: seed 0 (+0.5 + 0)/2 = 0.25, seed 1 (0 + 0)/2 = 0
        // d = (0.25, 0.5): mean 0.375, SD 0.125·√2, t = 0.375/0.125 = 3 on 1 df: p = 1 − (2/π)·atan 3
        Assert.Equal(2, overSeeds.N);
        Assert.Equal(0.375, overSeeds.Mean, 12);
        Assert.Equal(0.125 * Math.Sqrt(2), overSeeds.Sd, 12);
        Assert.Equal(1 - 2 / Math.PI * Math.Atan(3), overSeeds.PValue, 9);
        // t_{0.975, 1} = tan(0.475π) = 12.7062...
        Assert.Equal(0.375 + Math.Tan(0.475 * Math.PI) * 0.125, overSeeds.High, 9);

        Assert.Contains("share no seed",
            Assert.Throws<ArgumentException>(() => StrategyComparison.Between([a[2]], b, "compositional")).Message);
    }

    [Fact]
    public void TheSummaryGivesEveryFamilysPairedChangeAndTrainingRewardTrend()
    {
        TrendRow[] trends =
        [
            new("reward", 10, 0.3, 0.4, 1.0, 0.2),
            new("shapes.strict", 10, 0.1, 0.2, 0.5, 0.1),
            new("reward: colors", 10, 0.5, 0.7, 2.0, 0.5),
            new("reward: counting", 2, 0.4, 0.3, -5.0, double.NaN),
        ];
        StrategyResult[] results = [Run("a.yaml", 0, "1110", trends), Run("b.yaml", 0, "0110")];
        var summary =
            StrategySummary.Of(results, new ComparisonBudget(10, 0, 0, 2, 0.1), [0], new DateTime(2026, 12, 2, 8, 30, 0, DateTimeKind.Utc));
        var md = summary.Markdown;

        Assert.StartsWith("`arbor bench strategies` (10 iterations per run, seeds 0, 2 prompts per family in each held-out set, " +
            "2026-12-02 08:30 UTC)", md);
        // overall: a's colors 00 → 11 (+1), counting 10 → 10 (0): 25 % → 75 %, +50 pts;
        // Wald half-width 1.96·√((2 − 4/2)/4 + 0)/2 = 0; p = 2 · 0.5² = 0.5
        Assert.Equal("25.0 % → 75.0 % (+50.0 pts [+50.0, +50.0], p 0.500)", summary.Rows[0][4]);
        // a budget that sets every run's precisions says so, so the table's minutes are read at the arithmetic they bought
        var pinned = StrategySummary.Of(results, new ComparisonBudget(10, 0, 0, 2, 0.1, Precision.Fp32, Precision.Bf16), [0],
            new DateTime(2026, 12, 2, 8, 30, 0, DateTimeKind.Utc));
        Assert.StartsWith("`arbor bench strategies` (10 iterations per run, seeds 0, 2 prompts per family in each held-out set, " +
            "evaluated in fp32, trained in bf16, 2026-12-02 08:30 UTC)", pinned.Markdown);
        Assert.Contains("Per family, compositional: strict accuracy before → after", md);
        Assert.Contains("| config | colors | counting |", md);
        // a's colors gained both prompts (var (2 − 4/2)/4 = 0); b's colors gained
        // one: +50 pts, half-width 1.96·√((1 − 1/2)/4) = 69.3, clamped at +100
        Assert.Contains("| a.yaml | 0.0 % → 100.0 % (+100.0 pts [+100.0, +100.0], p 0.500) | 50.0 % → 50.0 % (0.0 pts [0.0, " +
            "0.0], p 1.000) |", md);
        Assert.Contains("| b.yaml | 0.0 % → 50.0 % (+50.0 pts [-19.3, +100.0], p 1.000) | 50.0 % → 50.0 % (0.0 pts [0.0, " +
            "0.0], p 1.000) |", md);
        // the trend table: the reward overall and per family, not its components
        Assert.Contains("| config | seed | series | first → last | slope / 100 it (SE) | iterations |", md);
        Assert.Contains("| a.yaml | 0 | reward | 0.300 → 0.400 | +1.000 (0.200) | 10 |", md);
        Assert.Contains("| a.yaml | 0 | reward: colors | 0.500 → 0.700 | +2.000 (0.500) | 10 |", md);
        Assert.Contains("| a.yaml | 0 | reward: counting | 0.400 → 0.300 | -5.000 (n/a) | 2 |", md);
        Assert.DoesNotContain("shapes.strict |", md);
        Assert.Contains("| a.yaml | b.yaml | compositional |", md);

        // results.json carries each family's paired change
        var path = Path.Combine(_temp.Path, "results.json");
        StrategyComparison.Save(results, path);
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var colors = json.RootElement[1].GetProperty("Sets")[0].GetProperty("ChangeByFamily").GetProperty("colors");
        Assert.Equal((0.0, 0.5, 1, 0, 1.0), (colors.GetProperty("Before").GetDouble(), colors.GetProperty("After").GetDouble(),
            colors.GetProperty("Gained").GetInt32(), colors.GetProperty("Lost").GetInt32(), colors.GetProperty("PValue").GetDouble()));
    }
}
