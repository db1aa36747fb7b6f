namespace Arbor.Shapes;

/// <summary>
/// One object of a scene, in canvas pixels (x right, y down, the canvas spans [0, size] on both axes).
/// Every shape's bounding box is the square of side <see cref="Size"/> centered on
/// (<see cref="CenterX"/>, <see cref="CenterY"/>), which is why regions and relations are judged by box
/// centers: the verifier can measure them for every shape alike.
/// </summary>
/// <param name="Shape">What is drawn.</param>
/// <param name="Color">Its color (exact RGB in <see cref="ShapePalette"/>).</param>
/// <param name="SizeClass">The size class <see cref="Size"/> was drawn from.</param>
/// <param name="Size">Side of the bounding box in pixels (diameter, side, width and height, or span).</param>
/// <param name="CenterX">Bounding-box center, x, in pixels.</param>
/// <param name="CenterY">Bounding-box center, y, in pixels.</param>
public sealed record SceneObject(ShapeKind Shape, ShapeColor Color, SizeClass SizeClass, double Size, double CenterX, double CenterY)
{
    public double Left => CenterX - (Size / 2);

    public double Right => CenterX + (Size / 2);

    public double Top => CenterY - (Size / 2);

    public double Bottom => CenterY + (Size / 2);

    public override string ToString() =>
        $"{ShapesVocabulary.Word(SizeClass)} {ShapesVocabulary.Word(Color)} {ShapesVocabulary.Word(Shape)} size {Size:F2} at " +
            $"({CenterX:F2}, {CenterY:F2})";
}
