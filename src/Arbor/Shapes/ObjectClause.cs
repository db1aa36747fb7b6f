using System.Text;

namespace Arbor.Shapes;

/// <summary>
/// One noun phrase of a prompt: <see cref="Count"/> objects of <see cref="Shape"/>, and optionally their
/// color, size and (single objects only) region. An attribute left null is unconstrained: any value
/// satisfies it, and the scene sampler picks one at random.
/// </summary>
/// <param name="Shape">The shape every object of the clause has.</param>
/// <param name="Color">The color every object of the clause has, or null for any.</param>
/// <param name="Count">How many such objects the image holds, exactly (1 to 4).</param>
/// <param name="Size">The size class every object of the clause has, or null for any.</param>
/// <param name="Region">Where the (single) object is, or null for anywhere.</param>
public sealed record ObjectClause(
    ShapeKind Shape,
    ShapeColor? Color = null,
    int Count = 1,
    SizeClass? Size = null,
    Region? Region = null)
{
    /// <summary>Whether an object with these attributes satisfies the clause's shape, color and size (not its region or count).</summary>
    public bool Describes(ShapeKind shape, ShapeColor color, SizeClass size) =>
        shape == Shape && (Color is null || Color == color) && (Size is null || Size == size);

    /// <summary>The clause in words: "a small red circle on the left", "three green triangles".</summary>
    public string ToText()
    {
        var text = new StringBuilder(ShapesVocabulary.CountWord(Count));
        if (Size is { } size) text.Append(' ').Append(ShapesVocabulary.Word(size));
        if (Color is { } color) text.Append(' ').Append(ShapesVocabulary.Word(color));
        text.Append(' ').Append(ShapesVocabulary.Word(Shape, plural: Count > 1));
        if (Region is { } region) text.Append(' ').Append(ShapesVocabulary.Phrase(region));
        return text.ToString();
    }

    public override string ToString() => ToText();
}
