using System.Diagnostics;
using Arbor.Imaging;
using Arbor.Pipelines;
using Arbor.Evaluation;
using Arbor.Sampling;
using Arbor.Tensors;

namespace Arbor.Shapes;

/// <summary>
/// GenEval-style evaluation on the Shapes world, on each held-out set of the config (<see cref="HeldOutSet"/>): the
/// first N prompts of every family are generated, each from its own fixed noise seed (so evaluations of any two
/// checkpoints are paired prompt by prompt), verified from pixels, and aggregated per family; a grid with one row per
/// family is written per set.
/// </summary>
public sealed class ShapesHeldOutEvaluator(ShapesSplits splits, ShapesVerifier? verifier = null) : IHeldOutEvaluator
{
    private readonly ShapesVerifier _verifier = verifier ?? new ShapesVerifier();

    /// <summary>
    /// The set's first <paramref name="perFamily"/> prompts of every family, in <see cref="TaskFamilies.All"/> order;
    /// a family whose list is shorter cycles it (each repeat is evaluated with its own seed).
    /// </summary>
    public IReadOnlyList<(string Prompt, TaskFamily Family)> Prompts(HeldOutSet set, int perFamily) =>
        [.. TaskFamilies.All.SelectMany(f =>
        {
            var list = set == HeldOutSet.InDistribution ? splits.ValidationPrompts(f) : splits.TestPrompts(f);
            return Enumerable.Range(0, perFamily).Select(i => (list[i % list.Count].ToText(), f));
        })];

    public EvaluationReport Evaluate(TextToImagePipeline pipeline, EvalConfig config, long step, string outputDirectory) =>
        EvaluateWithSamples(pipeline, config, step, outputDirectory).Report;

    /// <summary>
    /// <see cref="Evaluate"/>, also returning every set's verified samples (images and verdicts) for callers that
    /// write them out (`arbor eval`'s accuracy.json).
    /// </summary>
    public (EvaluationReport Report, IReadOnlyDictionary<HeldOutSet, List<EvaluatedSample>> Samples) EvaluateWithSamples(
        TextToImagePipeline pipeline, EvalConfig config, long step, string outputDirectory)
    {
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(outputDirectory);
        var sets = new List<SetEvaluation>();
        var all = new Dictionary<HeldOutSet, List<EvaluatedSample>>();
        foreach (var set in config.Sets)
        {
            var samples = all[set] = Run(pipeline, config, Prompts(set, config.PromptsPerFamily), (ulong)set);
            var grid = Path.Combine(outputDirectory, $"eval-{step:D6}-{set.Name()}.png");
            PngEncoder.Write(grid, Grid(samples, config.PromptsPerFamily));
            sets.Add(Summarize(set, samples, grid));
        }
        return (new EvaluationReport(step, sets, clock.Elapsed.TotalSeconds), all);
    }

    /// <summary>The set's aggregates, failure reasons and how many of its prompts repeat RL texts.</summary>
    public SetEvaluation Summarize(HeldOutSet set, IReadOnlyList<EvaluatedSample> samples, string? grid)
    {
        var failures = new FailureTally();
        foreach (var s in samples) failures.Add(s.Result);
        var outcomes = OutcomesOf(samples);
        return new SetEvaluation(set, outcomes, grid, failures.ByFamily(), SharedWithRl(outcomes));
    }

    /// <summary>
    /// Per family, how many of <paramref name="outcomes"/>' prompts are RL prompt texts (evaluated with other seeds). Counted
    /// for both sets: in_distribution repeats RL texts where a family has too few to split, and compositional's families
    /// without held-out combinations can too (two_object's 12 texts are both its test and its RL prompts).
    /// </summary>
    public IReadOnlyDictionary<string, int> SharedWithRl(IEnumerable<SampleOutcome> outcomes)
    {
        var rlTexts = splits.AllRlPrompts.Select(p => p.ToText()).ToHashSet(StringComparer.Ordinal);
        return outcomes.GroupBy(o => o.Family).ToDictionary(g => g.Key, g => g.Count(o => rlTexts.Contains(o.Prompt)));
    }

    /// <summary>
    /// <paramref name="report"/> with every set's <see cref="SetEvaluation.SharedWithRl"/> counted again from its prompts: a
    /// stored evaluation (<see cref="BaseEvaluationCache"/>) may predate a count, and the count depends on the split, not the weights.
    /// </summary>
    public EvaluationReport WithSharedCounts(EvaluationReport report) => report with
    {
        Sets = [.. report.Sets.Select(s => new SetEvaluation(s.Set, s.Outcomes, s.GridPath, s.Failures, SharedWithRl(s.Outcomes)))],
    };

    /// <summary>The outcomes of verified samples, in their order.</summary>
    public static IReadOnlyList<SampleOutcome> OutcomesOf(IEnumerable<EvaluatedSample> samples) =>
        [.. samples.Select(s => new SampleOutcome(s.Family.Name(), s.Prompt, s.Result.Pass, s.Result.Score))];

    /// <summary>Accuracy and failure reasons per family of verified samples.</summary>
    public static (FamilyScoreboard Board, FailureTally Failures) Tally(IEnumerable<EvaluatedSample> samples)
    {
        var board = new FamilyScoreboard();
        var failures = new FailureTally();
        foreach (var s in samples)
        {
            board.Add(s.Result);
            failures.Add(s.Result);
        }

        return (board, failures);
    }

    /// <summary>
    /// Generates and verifies <paramref name="prompts"/>. The j-th prompt of a family draws its noise from its own
    /// generator seeded by (config seed, <paramref name="stream"/>, family, j), so it gets the same noise whatever the
    /// batching and however many prompts per family are evaluated: a smaller evaluation pairs with a prefix of a
    /// larger one. (The images agree bit for bit only at equal batch sizes: OpenBLAS's sums depend on the batch.)
    /// </summary>
    public List<EvaluatedSample> Run(TextToImagePipeline pipeline, EvalConfig config,
        IReadOnlyList<(string Prompt, TaskFamily Family)> prompts, ulong stream)
    {
        var sampler = OdeSamplers.For(config.Sampler, pipeline.Model.Process.Kind);
        // the evaluation's own precision, whatever scope the caller runs in (a bf16 training iteration, say)
        using var precision = ComputePrecision.Use(config.Precision);
        var seen = new Dictionary<TaskFamily, int>();
        var seeds = prompts.Select(p =>
        {
            int j = seen.GetValueOrDefault(p.Family);
            seen[p.Family] = j + 1;
            return ShapesRng.Hash(config.Seed, stream, (ulong)p.Family, (ulong)j);
        }).ToList();
        var results = new List<EvaluatedSample>(prompts.Count);
        for (int start = 0; start < prompts.Count; start += config.BatchSize)
        {
            var chunk = prompts.Skip(start).Take(config.BatchSize).ToList();
            using var scope = Torch.NewScope();
            var noise = Torch.Cat(Enumerable.Range(start, chunk.Count).Select(i =>
            {
                using var generator = new Generator(seeds[i]);
                return pipeline.Noise(1, generator);
            }).ToList(), 0);
            var images = TextToImagePipeline.ToImages(pipeline.Generate(chunk.Select(p => p.Prompt).ToList(), noise, config.Steps,
                config.Guidance, sampler, config.TimeShift, config.Unconditional, config.GuidanceUntil));
            for (int i = 0; i < chunk.Count; i++)
            {
                results.Add(new EvaluatedSample(chunk[i].Prompt, chunk[i].Family, start + i, images[i],
                    _verifier.Verify(images[i], chunk[i].Prompt)));
            }
        }
        return results;
    }

    /// <summary>One row per family, images upscaled 2x, in prompt order.</summary>
    public static Image8 Grid(IReadOnlyList<EvaluatedSample> samples, int perFamily)
    {
        int columns = Math.Min(perFamily, 16);
        var rows = samples.GroupBy(s => s.Family).SelectMany(g => g.Take(columns)).Select(s => ImageGrid.Upscale(s.Image, 2)).ToList();
        return ImageGrid.Compose(rows, columns, padding: 2);
    }
}
