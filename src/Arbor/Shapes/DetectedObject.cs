namespace Arbor.Shapes;

/// <summary>
/// An object the verifier found in an image: one connected region of one palette color, measured with
/// each pixel weighted by its estimated coverage (so measurements are sub-pixel even at 32 px).
/// </summary>
/// <param name="Shape">The recognized shape, or null when the region matches no shape
/// of the world (it then satisfies no clause and counts as an extra object).</param>
/// <param name="Color">The palette color the region's pixels are blends of.</param>
/// <param name="SizeClass">Small or large, from <see cref="Extent"/> (≥ <see cref="VerifierConfig.LargeExtent"/> is large).</param>
/// <param name="CenterX">Center of the bounding box, x, in pixels (from the coverage profile of the columns).</param>
/// <param name="CenterY">Center of the bounding box, y, in pixels (from the coverage profile of the rows).</param>
/// <param name="Width">Width in pixels: the sum over columns of the highest coverage in the column.</param>
/// <param name="Height">Height in pixels: the sum over rows of the highest coverage in the row.</param>
/// <param name="Area">Coverage-weighted area in pixels.</param>
/// <param name="Fill">Area / (Width · Height): square 1, circle π/4, cross 5/9, triangle 1/2.</param>
/// <param name="SkewY">Skewness of the mass along y: ≈ −0.57 for an apex-up triangle, ≈ 0 for the symmetric shapes.</param>
/// <param name="Extent">max(Width / canvas width, Height / canvas height).</param>
public sealed record DetectedObject(
    ShapeKind? Shape,
    ShapeColor Color,
    SizeClass SizeClass,
    double CenterX,
    double CenterY,
    double Width,
    double Height,
    double Area,
    double Fill,
    double SkewY,
    double Extent)
{
    public override string ToString()
    {
        string what = Shape is { } s ? ShapesVocabulary.Word(s) : "unrecognized blob";
        return $"{ShapesVocabulary.Word(SizeClass)} {ShapesVocabulary.Word(Color)} {what} at ({CenterX:F1}, {CenterY:F1}), " +
               $"{Width:F1}x{Height:F1} px, area {Area:F1}, fill {Fill:F2}, skew {SkewY:F2}";
    }
}
