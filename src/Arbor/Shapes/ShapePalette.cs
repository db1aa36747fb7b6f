namespace Arbor.Shapes;

/// <summary>An 8-bit RGB color.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    public override string ToString() => $"({R},{G},{B})";
}

/// <summary>
/// The exact colors of the Shapes world. The object colors are far from the background and at least
/// ~100 apart from each other in RGB, and no two of them lie on nearly the same line from the background,
/// so an anti-aliased edge pixel (a blend of one color with the background) is explained by exactly one color.
/// </summary>
public static class ShapePalette
{
    /// <summary>The canvas background, a light gray.</summary>
    public static Rgb Background { get; } = new(240, 240, 240);

    /// <summary>Every object color, in <see cref="ShapeColor"/> order.</summary>
    public static IReadOnlyList<ShapeColor> Colors { get; } =
        [ShapeColor.Red, ShapeColor.Green, ShapeColor.Blue, ShapeColor.Yellow, ShapeColor.Purple, ShapeColor.Cyan];

    /// <summary>The exact RGB value of <paramref name="color"/>.</summary>
    public static Rgb ToRgb(this ShapeColor color) => color switch
    {
        ShapeColor.Red => new(220, 50, 50),
        ShapeColor.Green => new(50, 170, 70),
        ShapeColor.Blue => new(50, 90, 220),
        ShapeColor.Yellow => new(235, 200, 40),
        ShapeColor.Purple => new(150, 70, 190),
        ShapeColor.Cyan => new(40, 190, 200),
        _ => throw new ArgumentOutOfRangeException(nameof(color), color, "unknown color"),
    };
}
