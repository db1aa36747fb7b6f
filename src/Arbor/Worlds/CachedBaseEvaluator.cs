using Arbor.Configuration;
using Arbor.Evaluation;
using Arbor.Pipelines;
using Arbor.Shapes;

namespace Arbor.Worlds;

/// <summary>
/// The Shapes evaluator of an RL run, whose step 0 is the base model itself (LoRA's B is zero; full fine-tuning has not
/// stepped): with eval.cache_base that evaluation is read from <see cref="BaseEvaluationCache"/> when stored there, and
/// stored after it is computed.
/// </summary>
public sealed class CachedBaseEvaluator(ShapesHeldOutEvaluator evaluator, string modelDirectory, ShapesSplitConfig split)
    : IHeldOutEvaluator
{
    public EvaluationReport Evaluate(TextToImagePipeline pipeline, EvalConfig config, long step, string outputDirectory)
    {
        string? key = step == 0 && config.CacheBase ? Key(modelDirectory, config, split) : null;
        // a stored evaluation may predate the shared-with-RL counts of both sets; they follow from the split, so count them here
        var stored = key is null ? null : BaseEvaluationCache.TryLoad(modelDirectory, key, step, outputDirectory);
        var report = stored is not null ? evaluator.WithSharedCounts(stored) : evaluator.Evaluate(pipeline, config, step, outputDirectory);
        if (key is not null && !report.Cached) BaseEvaluationCache.Save(key, report);
        return report;
    }

    /// <summary>The cache key of <paramref name="modelDirectory"/>'s base under this evaluation and split.</summary>
    public static string Key(string modelDirectory, EvalConfig eval, ShapesSplitConfig split) =>
        BaseEvaluationCache.Key(modelDirectory, eval, ConfigLoader.ToYaml(split));
}
