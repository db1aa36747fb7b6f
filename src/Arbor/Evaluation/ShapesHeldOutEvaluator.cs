using System.Diagnostics;
using Arbor.Imaging;
using Arbor.Pipelines;
using Arbor.Pretraining;
using Arbor.Sampling;
using Arbor.Shapes;
using Arbor.Tensors;

namespace Arbor.Evaluation;

/// <summary>One evaluated prompt: what was asked, the image, and the verifier's verdict.</summary>
public sealed record EvaluatedSample(string Prompt, TaskFamily Family, int Index, Image8 Image, VerificationResult Result);

/// <summary>
/// GenEval-style evaluation on the Shapes world: the first N held-out test prompts of every family are
/// generated (a fixed seed per prompt, so evaluations are comparable across checkpoints), verified from
/// pixels, and aggregated per family; a grid with one row per family is written.
/// </summary>
public sealed class ShapesHeldOutEvaluator(ShapesSplits splits, ShapesVerifier? verifier = null) : IHeldOutEvaluator
{
    private readonly ShapesVerifier _verifier = verifier ?? new ShapesVerifier();

    /// <summary>Prompts generated per model forward batch.</summary>
    public int BatchSize { get; init; } = 48;

    /// <summary>Evaluate on the RL training prompts instead of the held-out test prompts.</summary>
    public bool UseRlPrompts { get; init; }

    public IReadOnlyList<(string Prompt, TaskFamily Family)> Prompts(int perFamily) =>
        TaskFamilies.All.SelectMany(f => (UseRlPrompts ? splits.RlPrompts(f) : splits.TestPrompts(f)).Take(perFamily).Select(p => (p.ToText(), f))).ToList();

    public EvaluationReport Evaluate(TextToImagePipeline pipeline, EvalConfig config, long step, string outputDirectory)
    {
        var clock = Stopwatch.StartNew();
        var samples = Run(pipeline, config);
        var (board, failures) = Tally(samples);
        Directory.CreateDirectory(outputDirectory);
        var grid = Path.Combine(outputDirectory, $"eval-{step:D6}.png");
        PngEncoder.Write(grid, Grid(samples, config.PromptsPerFamily));
        return new EvaluationReport(step, board.StrictByFamily, board.PartialByFamily, board.OverallStrict, board.OverallPartial, grid,
            clock.Elapsed.TotalSeconds) { Failures = failures.ByFamily() };
    }

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

    /// <summary>Generates and verifies every evaluation prompt.</summary>
    public List<EvaluatedSample> Run(TextToImagePipeline pipeline, EvalConfig config)
    {
        var prompts = Prompts(config.PromptsPerFamily);
        var sampler = OdeSamplers.ByName(config.Sampler);
        var results = new List<EvaluatedSample>(prompts.Count);
        for (int start = 0; start < prompts.Count; start += BatchSize)
        {
            var chunk = prompts.Skip(start).Take(BatchSize).ToList();
            using var scope = Torch.NewScope();
            using var generator = new Generator(config.Seed + (ulong)start);
            var images = TextToImagePipeline.ToImages(pipeline.Generate(chunk.Select(p => p.Prompt).ToList(), generator, config.Steps, config.Guidance, sampler));
            for (int i = 0; i < chunk.Count; i++)
                results.Add(new EvaluatedSample(chunk[i].Prompt, chunk[i].Family, start + i, images[i], _verifier.Verify(images[i], chunk[i].Prompt)));
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
