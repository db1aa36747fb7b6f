using System.Text.Json;
using Arbor.Distributed;
using Arbor.Pipelines;
using Arbor.Pretraining;
using Arbor.TestKit;

namespace Arbor.Tests.Pretraining;

/// <summary>
/// Data-parallel pretraining (issue #16): two ranks (threads of this process, each with its own process group, as
/// torch's own tests run ranks) train the same run as one process does, and rank 0 alone writes it.
/// </summary>
public class DataParallelPretrainTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _temp = new("arbor-ddp-pretrain-");
    public void Dispose() => _temp.Dispose();



    private static double[] Losses(string dir) =>
        [.. File.ReadAllLines(Path.Combine(dir, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement)
            .Where(r => r.GetProperty("kind").GetString() == "train")
            .Select(r => r.GetProperty("loss").GetDouble())];

    private static float[] Weights(string dir, string name)
    {
        using var p = TextToImagePipeline.Load(Path.Combine(dir, "model"));
        return p.Model.StateDict()[name].ToFloatArray();
    }

    [Fact]
    public void TwoRanksTrainAsOneProcessDoesWithinReductionToleranceAndOnlyRankZeroWrites()
    {
        var one = Path.Combine(_temp.Path, "one");
        new Pretrainer(PretrainerTests.Tiny(6), new TwoColorSource(), null, one)
            .Run(resume: false, cancel: TestContext.Current.CancellationToken);

        var two = Path.Combine(_temp.Path, "two");
        Tests.Distributed.Ranks.Run(2,
            dp => new Pretrainer(PretrainerTests.Tiny(6), new TwoColorSource(), null, two, dp).Run(resume: false));

        // the same global batch, the same draws: the losses agree to float32 reduction order (each rank's mean over 4
        // rows, then their sum, against one mean over 8), measured about 1e-7 relative; 1e-5 bounds it
        var (a, b) = (Losses(one), Losses(two));
        Assert.Equal(6, b.Length);
        output.WriteLine($"max relative loss difference {a.Zip(b, (x, y) => Math.Abs(x - y) / Math.Abs(x)).Max():G3}");
        for (int i = 0; i < a.Length; i++)
            Assert.True(Math.Abs(a[i] - b[i]) <= 1e-5 * Math.Abs(a[i]), $"step {i + 1}: loss {a[i]:R} vs {b[i]:R}");
        foreach (var name in new[] { "blocks.0.fc1.weight", "final.weight" })
        {
            var (wa, wb) = (Weights(one, name), Weights(two, name));
            double maxDiff = wa.Zip(wb, (x, y) => Math.Abs(x - y)).Max(), scale = wa.Max(Math.Abs);
            output.WriteLine($"{name}: max |Δw| {maxDiff:G3}, max |w| {scale:G3}");
            Assert.True(maxDiff <= 1e-4 * scale, $"{name}: max |Δw| {maxDiff:G3} (max |w| {scale:G3})");
        }
        // one run directory, written by rank 0 alone: one line per step, one checkpoint, one model
        Assert.Equal(File.ReadAllLines(Path.Combine(one, "metrics.jsonl")).Length,
            File.ReadAllLines(Path.Combine(two, "metrics.jsonl")).Length);
    }

    [Fact]
    public void ShardsCoverTheBatchOnceInRankOrder()
    {
        Assert.Equal([(0, 2), (2, 3), (5, 3)], Enumerable.Range(0, 3).Select(r => DataParallel.Shard(8, r, 3)));
        Assert.Equal((0, 8), DataParallel.Shard(8, 0, 1));
        var source = new TwoColorSource();
        var whole = source.Batch(5, 8);
        var rows = ((ICaptionedImageSource)source).Rows(5, 8, 3, 2);
        Assert.Equal(whole.Captions[3..5], rows.Captions);
        Assert.Equal(whole.Pixels.AsSpan(3 * 192, 2 * 192).ToArray(), rows.Pixels);
    }
}
