namespace Arbor.Shapes;

/// <summary>
/// The exact geometry of each shape: which points of the canvas it covers. The renderer integrates it
/// over each pixel, so this is the single definition of what a circle, square, triangle and cross are.
/// </summary>
public static class ShapeGeometry
{
    /// <summary>Cross arm thickness as a fraction of the cross's span.</summary>
    public const double CrossArmFraction = 1.0 / 3.0;

    /// <summary>Whether the point (<paramref name="x"/>, <paramref name="y"/>) (pixels, y down) lies in <paramref name="obj"/>.</summary>
    public static bool Contains(SceneObject obj, double x, double y)
    {
        double h = obj.Size / 2;
        double dx = x - obj.CenterX;
        double dy = y - obj.CenterY;
        switch (obj.Shape)
        {
            case ShapeKind.Circle:
                return (dx * dx) + (dy * dy) <= h * h;
            case ShapeKind.Square:
                return Math.Abs(dx) <= h && Math.Abs(dy) <= h;
            case ShapeKind.Triangle:
                // Apex at (0, −h), base from (−h, h) to (h, h): the half-width at dy is (dy + h) / 2.
                return dy >= -h && dy <= h && Math.Abs(dx) <= (dy + h) / 2;
            case ShapeKind.Cross:
                double t = obj.Size * CrossArmFraction / 2;
                double ax = Math.Abs(dx), ay = Math.Abs(dy);
                return (ax <= h && ay <= t) || (ay <= h && ax <= t);
            default:
                throw new ArgumentOutOfRangeException(nameof(obj), obj.Shape, "unknown shape");
        }
    }
}
