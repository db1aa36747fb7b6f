namespace Arbor.Shapes;

/// <summary>
/// The four shapes of the Shapes world. They were chosen to be told apart from pixels alone by two
/// scale-free features (see <see cref="ObjectDetector"/>): a triangle is the only shape whose mass is
/// skewed vertically, and the others differ in how much of their bounding box they fill
/// (square 1, circle π/4, cross 5/9).
/// </summary>
public enum ShapeKind
{
    /// <summary>A disc whose diameter is the object's size.</summary>
    Circle,

    /// <summary>An axis-aligned square whose side is the object's size.</summary>
    Square,

    /// <summary>An isosceles triangle, apex up, as wide and as tall as the object's size.</summary>
    Triangle,

    /// <summary>A plus sign spanning the object's size, with arms one third of it thick.</summary>
    Cross,
}
