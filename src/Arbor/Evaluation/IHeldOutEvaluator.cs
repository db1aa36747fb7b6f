using Arbor.Pipelines;

namespace Arbor.Evaluation;

/// <summary>
/// Evaluates a generator on a world's held-out prompts (the Shapes verifier, or a user's), for both trainers: pretraining
/// evaluates its EMA weights, RL its policy.
/// </summary>
public interface IHeldOutEvaluator
{
    EvaluationReport Evaluate(TextToImagePipeline pipeline, EvalConfig config, long step, string outputDirectory);
}
