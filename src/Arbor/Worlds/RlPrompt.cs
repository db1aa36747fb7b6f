namespace Arbor.Worlds;

/// <summary>One prompt an RL run rolls out, and the family its reward is reported under in metrics.jsonl.</summary>
public sealed record RlPrompt(string Text, string Family);
