namespace Arbor.Shapes;

/// <summary>The six object colors; their exact RGB values are in <see cref="ShapePalette"/>.</summary>
public enum ShapeColor
{
    Red,
    Green,
    Blue,
    Yellow,
    Purple,
    Cyan,
}
