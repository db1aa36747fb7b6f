using Arbor.Evaluation;

namespace Arbor.Worlds;

/// <summary>
/// What an RL run needs from a world: the prompts it rolls out and the held-out evaluation it reports. Rewards are
/// chosen apart from the world (reward.names; a user's world scores through the remote reward).
/// </summary>
public sealed record RlWorld(IRlPromptSource Prompts, IHeldOutEvaluator Evaluator);
