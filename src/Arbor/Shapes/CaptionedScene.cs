namespace Arbor.Shapes;

/// <summary>
/// A pretraining example before rendering: the scene, the caption that goes with it, and the complete
/// description the scene was sampled for (the caption may say less: a dropped color, a dropped object).
/// </summary>
/// <param name="Scene">What the image shows.</param>
/// <param name="Caption">What the caption says; always true of the scene.</param>
/// <param name="Described">The prompt the scene satisfies exactly (besides any unmentioned extra object).</param>
/// <param name="ExtraObjects">Objects in the scene that neither
/// <paramref name="Caption"/> nor <paramref name="Described"/> mention.</param>
public sealed record CaptionedScene(Scene Scene, PromptSpec Caption, PromptSpec Described, int ExtraObjects)
{
    /// <summary>The caption text.</summary>
    public string Text => Caption.ToText();

    /// <summary>Whether the caption says less than the scene shows.</summary>
    public bool UnderSpecified => ExtraObjects > 0 || !Caption.Equals(Described);
}
