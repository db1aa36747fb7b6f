namespace Arbor.Shapes;

/// <summary>
/// Where on the canvas a single object is, by thirds: <see cref="Left"/> means the center of the object's
/// bounding box is in the left third of the canvas (any row), <see cref="Top"/> in the top third (any
/// column), <see cref="Center"/> in the middle cell of the 3x3 grid. Phrased "on the left", "on the
/// right", "at the top", "at the bottom", "in the center".
/// </summary>
public enum Region
{
    Left,
    Right,
    Top,
    Bottom,
    Center,
}
