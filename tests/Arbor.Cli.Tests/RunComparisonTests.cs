using System.IO.Compression;
using Arbor.Cli.Bench;
using Arbor.TestKit;

namespace Arbor.Cli.Tests;

/// <summary>`arbor bench compare`: two runs' evaluation records, read from
/// the files runs and docs/results keep, paired per prompt.</summary>
public class RunComparisonTests : IDisposable
{
    readonly TempDirectory _temp = new("arbor-cli-compare-");

    public void Dispose() => _temp.Dispose();

    /// <summary>An eval record as the trainers write it: 2 colors and 2 counting prompts of the compositional set.</summary>
    static string Eval(long iteration, string pass)
    {
        var scores = string.Join(",", pass.Select(c => c == '1' ? "1" : "0.5"));
        return "{\"kind\":\"eval\",\"iteration\":" + iteration +
            ",\"sets\":{\"compositional\":{\"n\":4,\"count\":{\"colors\":2,\"counting\":2},\"pass\":\""
            + pass + "\",\"scores\":[" + scores + "]}}}";
    }

    string Write(string name, bool gzip, params string[] lines)
    {
        var path = Path.Combine(_temp.Path, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = string.Join("\n", lines) + "\n";
        if (!gzip)
        {
            File.WriteAllText(path, text);
        }
        else
        {
            using var file = File.Create(path);
            using var z = new GZipStream(file, CompressionLevel.Fastest);
            z.Write(System.Text.Encoding.UTF8.GetBytes(text));
        }
        return path;
    }

    [Fact]
    public void PairsTheLastEvaluationsOfARunDirectoryAndAGzippedLog()
    {
        Write("a/metrics.jsonl", false, Eval(0, "0010"), """{"kind":"iteration","iteration":1}""", Eval(40, "0110"));
        var b = Write("b.metrics.jsonl.gz", true, Eval(0, "0010"), Eval(40, "1111"));

        var (sets, text) = RunComparison.Between(RunComparison.Read(Path.Combine(_temp.Path, "a")), RunComparison.Read(b));

        // A 0110 → B 1111: gained prompts 0 and 3, lost none; colors 50 → 100 %, counting 50 → 100 %; exact McNemar p = 2 · 0.5² = 0.5
        var c = Assert.Single(sets);
        Assert.Equal((4, 0.5, 1.0, 2, 0), (c.Overall.N, c.Overall.Before, c.Overall.After, c.Overall.Gained, c.Overall.Lost));
        Assert.Equal(0.5, c.Overall.PValue, 12);
        Assert.Equal(0.5, c.ByFamily["colors"].Change, 12);
        // partial scores: A averages 0.75 (0.5 for a fail), B 1: +25 pts
        Assert.Equal(0.25, c.Partial.Mean, 12);
        Assert.Contains("(iteration 40)", text);
        Assert.Contains("compositional (n = 4)", text);
    }

    [Fact]
    public void AnEarlierIterationABenchOutputAndTheErrorsNameTheProblem()
    {
        Write("bench/nft-seed0/metrics.jsonl", false, Eval(0, "0010"), Eval(40, "0110"));
        var first = RunComparison.Read(Path.Combine(_temp.Path, "bench"), iteration: 0);
        Assert.Equal(0, first.Iteration);

        Assert.Contains("no evaluation at iteration 7 (it has 0, 40)",
            Assert.Throws<ArgumentException>(() => RunComparison.Read(Path.Combine(_temp.Path, "bench"), 7)).Message);
        Write("bench/awm-seed0/metrics.jsonl", false, Eval(0, "0010"));
        Assert.Contains("holds 2 runs",
            Assert.Throws<ArgumentException>(() => RunComparison.Read(Path.Combine(_temp.Path, "bench"))).Message);
        var none = Write("none.jsonl", false, """{"kind":"iteration","iteration":1}""");
        Assert.Contains("holds no held-out evaluation", Assert.Throws<FormatException>(() => RunComparison.Read(none)).Message);
        Assert.Throws<FileNotFoundException>(() => RunComparison.Read(Path.Combine(_temp.Path, "missing")));

        // other sizes are not paired: the comparison refuses rather than pairing the wrong prompts
        var small = RunComparison.Read(Write("small.jsonl", false,
            """{"kind":"eval","iteration":5,"sets":{"compositional":{"n":2,"count":{"colors":2},"pass":"11","scores":[1,1]}}}"""));
        Assert.Contains("cannot pair", Assert.Throws<ArgumentException>(() => RunComparison.Between(first, small)).Message);
    }
}
