namespace Arbor.Shapes;

/// <summary>What <see cref="ObjectDetector"/> found in one image.</summary>
/// <param name="Width">Image width in pixels (regions are thirds of it).</param>
/// <param name="Height">Image height in pixels.</param>
/// <param name="Objects">The objects, in raster order of their first pixel.</param>
/// <param name="IgnoredComponents">Connected regions too small to be objects (specks, noise).</param>
public sealed record DetectionResult(int Width, int Height, IReadOnlyList<DetectedObject> Objects, int IgnoredComponents)
{
    /// <summary>A multi-line listing of the objects, for debugging.</summary>
    public string Describe()
    {
        var lines = new List<string>
        {
            $"{Width}x{Height} image: {Objects.Count} object(s), {IgnoredComponents} speck(s) ignored",
        };
        lines.AddRange(Objects.Select((o, i) => $"  [{i}] {o}"));
        return string.Join('\n', lines);
    }

    public override string ToString() => Describe();
}
