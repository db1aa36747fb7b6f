using Arbor.Configuration;

namespace Arbor.Shapes;

/// <summary>
/// The pretraining caption distribution, meant to look like web captions: mostly simple (one object,
/// with or without color; some pairs of objects), compositional captions (attribute binding, counting,
/// position) rarer, and some captions under-specified — true of the image but not complete, so the base
/// model is imperfect on compositional prompts and RL has something to fix. Family weights are relative
/// (they need not sum to 1).
/// </summary>
public sealed record PretrainMixture : IValidatedConfig
{
    /// <summary>Weight of one-object captions without a color ("a circle", "a large square").</summary>
    public double SingleObject { get; init; } = 0.30;

    /// <summary>Weight of one-object captions with a color ("a red circle").</summary>
    public double Colors { get; init; } = 0.30;

    /// <summary>Weight of two-object captions without colors ("a circle and a cross").</summary>
    public double TwoObject { get; init; } = 0.15;

    /// <summary>Weight of attribute-binding captions ("a red circle and a yellow cross").</summary>
    public double ColorAttr { get; init; } = 0.08;

    /// <summary>Weight of counting captions ("three green triangles").</summary>
    public double Counting { get; init; } = 0.09;

    /// <summary>Weight of position captions ("a purple square to the left of a cyan circle").</summary>
    public double Position { get; init; } = 0.08;

    /// <summary>Probability each color of a color_attr, counting or position caption is left out (the image still has it).</summary>
    public double OmitColor { get; init; } = 0.25;

    /// <summary>Probability a caption of a two-object scene names only one of the objects (and drops the relation).</summary>
    public double OmitObject { get; init; } = 0.15;

    /// <summary>Probability a one-clause scene gets an unmentioned object of another shape.</summary>
    public double ExtraObject { get; init; } = 0.10;

    /// <summary>How often captions state sizes, regions and (counting, position) colors.</summary>
    public PromptGrammarOptions Grammar { get; init; } = new();

    /// <summary>The weight of <paramref name="family"/>.</summary>
    public double Weight(TaskFamily family) => family switch
    {
        TaskFamily.SingleObject => SingleObject,
        TaskFamily.Colors => Colors,
        TaskFamily.TwoObject => TwoObject,
        TaskFamily.ColorAttr => ColorAttr,
        TaskFamily.Counting => Counting,
        TaskFamily.Position => Position,
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "unknown task family"),
    };

    public IEnumerable<string> Problems()
    {
        foreach (var f in TaskFamilies.All)
        {
            if (!(Weight(f) >= 0)) yield return $"{f.Name()} weight must be >= 0";
        }

        if (!(TaskFamilies.All.Sum(Weight) > 0)) yield return "the family weights must have a positive sum";
        if (OmitColor is < 0 or > 1) yield return "omit_color must be in [0, 1]";
        if (OmitObject is < 0 or > 1) yield return "omit_object must be in [0, 1]";
        if (ExtraObject is < 0 or > 1) yield return "extra_object must be in [0, 1]";
        foreach (var p in Grammar.Problems()) yield return "grammar." + p;
    }
}
