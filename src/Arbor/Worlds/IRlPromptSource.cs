namespace Arbor.Worlds;

/// <summary>
/// The prompts an RL run trains on, as one endless sequence: iteration i's j-th prompt is number
/// i · prompts_per_iteration + j. Each is a fixed function of its number, so a resumed run draws what an uninterrupted
/// one would.
/// </summary>
public interface IRlPromptSource
{
    /// <summary>The families prompts belong to, in the order metrics.jsonl lists their mean rewards.</summary>
    IReadOnlyList<string> Families { get; }

    /// <summary>Prompt number <paramref name="k"/> of the run.</summary>
    RlPrompt At(long k);
}
