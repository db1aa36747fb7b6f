using Arbor.Evaluation;
using Arbor.Runs.Metrics;

namespace Arbor.Tests.Runs;

/// <summary>
/// metrics.jsonl through its records: what the writer writes reads back as the same record and the same bytes, and the
/// logs docs/results keeps from older versions (without keys added since) still read.
/// </summary>
public class MetricsRecordTests
{
    private static string Written(Action<MetricsWriter> write)
    {
        var text = new StringWriter();
        using (var writer = new MetricsWriter(text)) write(writer);
        return text.ToString().TrimEnd('\n', '\r');
    }

    private static TrainIterationRecord Iteration(double loss) => new()
    {
        Iteration = 3, RewardMean = 0.5, RewardStd = 0.25,
        Components = new Dictionary<string, double> { ["shapes"] = 0.5, ["shapes.strict"] = 0.375 },
        FamilyRewards = new Dictionary<string, double> { ["counting"] = 0.125 }, ZeroVarianceShare = 0.5, Loss = loss, ApproxKl = 1e-6,
        Kl = 0, ClipFraction = 0.1, RatioMean = 1, RatioStd = 0.01, GradNorm = double.PositiveInfinity, Signal = double.NaN,
        SignalEdges = 0, Skipped = true, Nfe = 72, TrainedForwards = 24, TrainedEdges = 12, Images = 6, SecondsRollout = 1.5,
        SecondsReward = 0.25, SecondsTrain = 2, TrainingSeconds = 11.75, WorldSize = 2, SecondsCommunication = 0.125,
        BytesCommunicated = 4096,
    };

    [Fact]
    public void AnIterationWritesTheKeysInTheirOrderAndNaNRoundTrips()
    {
        var written = Iteration(double.NaN);
        var line = Written(w => w.Write(written));
        Assert.Equal("""{"kind":"train","iteration":3,"reward_mean":0.5,"reward_std":0.25,"components":{"shapes":0.5""" +
            ""","shapes.strict":0.375},"family_rewards":{"counting":0.125},"zero_variance_share":0.5,"loss":"NaN","approx_kl":1E-06""" +
            ""","kl":0,"clip_fraction":0.1,"ratio_mean":1,"ratio_std":0.01,"grad_norm":"Infinity","signal":"NaN","signal_edges":0""" +
            ""","skipped":true,"nfe":72,"trained_forwards":24,"trained_edges":12,"images":6,"seconds_rollout":1.5,"seconds_reward":0.25""" +
            ""","seconds_train":2,"training_seconds":11.75,"world_size":2,"seconds_communication":0.125""" +
            ""","bytes_communicated":4096}""", line);

        var read = Assert.Single(RunMetrics.Read([line]).Iterations);
        Assert.True(double.IsNaN(read.Loss));
        Assert.Equal(written.Components, read.Components);
        Assert.Equal(written.FamilyRewards, read.FamilyRewards);
        // equal field by field (the dictionaries compared above; records compare them by reference)
        Assert.Equal(written, read with { Components = written.Components, FamilyRewards = written.FamilyRewards });
        Assert.Equal(line, Written(w => w.Write(read)));
    }

    [Fact]
    public void APretrainingStepAndEvaluationWriteOnlyTheirKeysAndReadBack()
    {
        var step = new PretrainStepRecord
        {
            Step = 10, Loss = double.NaN, LearningRate = 3e-4, GradNorm = 0.5, ImagesPerSecond = 120.5, Skipped = true
        };
        var eval = new EvalRecord { Step = 10, Sets = new Dictionary<string, EvalSetRecord>(), Seconds = 1.5 };
        var lines = Written(w => { w.Write(step); w.Write(eval); }).Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        Assert.Equal("""{"kind":"train","step":10,"loss":"NaN","lr":0.0003,"grad_norm":0.5,"images_per_s":120.5,"skipped":true}""",
            lines[0]);
        Assert.Equal("""{"kind":"eval","step":10,"sets":{},"seconds":1.5}""", lines[1]);

        var log = RunMetrics.Read(lines);
        Assert.Equal(step, Assert.Single(log.Steps));
        Assert.Empty(log.Iterations);
        var e = Assert.Single(log.Evaluations);
        Assert.Equal((10L, (long?)null, (bool?)null, (double?)null), (e.Position, e.Iteration, e.Cached, e.TrainingSeconds));
    }

    [Fact]
    public void AnEvaluationsSetsRoundTripAndGiveBackTheOutcomes()
    {
        var set = new SetEvaluation(HeldOutSet.Compositional,
            [new("colors", "a red circle", true, 1), new("colors", "a blue square", false, 0.333333),
                new("counting", "two circles", false, 0.5)],
            gridPath: "/runs/x/samples/eval-000004-compositional.png",
            failures: new Dictionary<string, FamilyFailures> { ["colors"] = new(2, 1, new Dictionary<string, int> { ["color"] = 1 }) },
            sharedWithRl: new Dictionary<string, int> { ["colors"] = 0, ["counting"] = 1 });
        var eval = new EvalRecord
        {
            Iteration = 4,
            Sets = new Dictionary<string, EvalSetRecord> { [set.Name] = EvalSetRecord.Of(set) },
            Seconds = 2.5,
            Cached = false,
            TrainingSeconds = 30,
            Ema = true
        };
        var line = Written(w => w.Write(eval));
        Assert.StartsWith("""{"kind":"eval","iteration":4,"sets":{"compositional":{"n":3,"count":{"colors":2,"counting":1},""", line);
        Assert.EndsWith(""","grid":"eval-000004-compositional.png","pass":"100","scores":[1,0.3333,0.5]}},"seconds":2.5,"cached":false""" +
            ""","training_seconds":30,"ema":true}""", line);

        var read = Assert.Single(RunMetrics.Read([line]).Evaluations);
        Assert.Equal(line, Written(w => w.Write(read)));
        var s = read.Sets["compositional"];
        Assert.Equal(1, s.Failures!["colors"].Failed);
        var outcomes = s.ToSetEvaluation("compositional");
        Assert.Equal(set.Strict, outcomes.Strict);
        Assert.Equal([true, false, false], outcomes.Outcomes.Select(o => o.Pass));
    }

    [Fact]
    public void OnlyTrainAndEvalLinesAreRecordsAndATornLineHasNoHead()
    {
        var log = RunMetrics.Read(["""{"kind":"iteration","iteration":1}""", "", """{"kind":"train","iteration":2,"loss":0.5}"""]);
        var it = Assert.Single(log.Iterations);
        // keys an older version did not write read with their defaults
        Assert.Equal((2L, 0.5, 1, 0.0, 0L), (it.Iteration, it.Loss, it.WorldSize, it.SecondsCommunication, it.BytesCommunicated));
        Assert.True(double.IsNaN(it.Signal));
        Assert.Empty(it.FamilyRewards);
        Assert.Null(MetricsLineHead.TryParse("""{"kind":"train","itera"""));
        Assert.Equal(7, MetricsLineHead.TryParse("""{"kind":"eval","step":7,"sets":{}}""")!.At(MetricsPosition.Step));
    }

    private static string ResultsDirectory([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(source)! })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (Directory.Exists(Path.Combine(dir.FullName, "docs", "results")) && File.Exists(Path.Combine(dir.FullName, "Arbor.sln")))
                    return Path.Combine(dir.FullName, "docs", "results");
            }
        }
        throw new DirectoryNotFoundException("docs/results not found above the test directory or its source");
    }

    [Fact]
    public void EveryLogDocsResultsKeepsReads()
    {
        var files = Directory.GetFiles(ResultsDirectory(), "*.metrics.jsonl.gz", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var log = RunMetrics.Load(file);
            if (log.Steps.Count > 0)
            {
                // a pretraining log (a short measurement may evaluate nothing): steps only, each with its loss
                Assert.Empty(log.Iterations);
                Assert.All(log.Steps, s => Assert.True(double.IsFinite(s.Loss), $"{file}: step {s.Step}"));
                continue;
            }
            Assert.NotEmpty(log.Iterations);
            Assert.NotEmpty(log.Evaluations);
            Assert.All(log.Iterations, r => Assert.Equal(1, r.WorldSize));
        }
    }

    [Fact]
    public void ADocsResultsLogWritesBackByteForByteWithTheKeysAddedSince()
    {
        // 2026-12-02: the current format but for data-parallel training's three keys, with NaN signals
        var file = Path.Combine(ResultsDirectory(), "2026-12-02", "nft-40it-seed2.metrics.jsonl.gz");
        using var gz = new System.IO.Compression.GZipStream(File.OpenRead(file), System.IO.Compression.CompressionMode.Decompress);
        var lines = new StreamReader(gz).ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var log = RunMetrics.Load(file);
        Assert.Equal(lines.Length, log.Iterations.Count + log.Evaluations.Count);
        var evals = lines.Where(l => l.StartsWith("""{"kind":"eval""")).ToList();
        Assert.Equal(evals, log.Evaluations.Select(e => Written(w => w.Write(e))));
        var trains = lines.Where(l => l.StartsWith("""{"kind":"train"""))
            .Select(l => l[..^1] + ""","world_size":1,"seconds_communication":0,"bytes_communicated":0}""");
        Assert.Equal(trains, log.Iterations.Select(r => Written(w => w.Write(r))));
        Assert.All(log.Iterations, r => Assert.True(double.IsNaN(r.Signal)));

        // 2026-11-30: evaluations before held-out sets (flat aggregates), iterations before per-family rewards and the signal meter
        var old = RunMetrics.Load(Path.Combine(ResultsDirectory(), "2026-11-30", "dance-grpo-60min-stage4-seed0.metrics.jsonl.gz"));
        Assert.Equal((545, 9), (old.Iterations.Count, old.Evaluations.Count));
        Assert.All(old.Evaluations, e => { Assert.Empty(e.Sets); Assert.Null(e.Cached); Assert.Equal(false, e.Ema); });
        Assert.All(old.Iterations, r => Assert.Empty(r.FamilyRewards));
    }
}
