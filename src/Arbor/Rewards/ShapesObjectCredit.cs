using Arbor.Imaging;
using Arbor.Shapes;

namespace Arbor.Rewards;

/// <summary>
/// The Shapes verifier's per-object verdicts as dense credit (<see cref="IPixelCredit"/>): +1 on the bounding box
/// (padded by <see cref="Padding"/> pixels) of every object the prompt asked for, −1 on every wrong object's, 0 where
/// boxes of both kinds overlap, on a surplus object (which of several matches is extra is not said) and on the
/// background (a missing object has no pixels to blame).
/// </summary>
public sealed class ShapesObjectCredit(ShapesVerifier? verifier = null) : IPixelCredit
{
    /// <summary>Pixels added around each object's box: its anti-aliased edge and the blur around a half-formed shape.</summary>
    public const double Padding = 1.0;

    private readonly ShapesVerifier _verifier = verifier ?? new ShapesVerifier();

    public sbyte[] Of(Image8 image, string prompt)
    {
        var result = _verifier.Verify(image, prompt);
        int w = image.Width, h = image.Height;
        var asked = new bool[w * h];
        var wrong = new bool[w * h];
        var objects = result.Detections.Objects;
        for (int o = 0; o < objects.Count; o++)
        {
            var mask = result.ObjectVerdicts[o] switch
            {
                ObjectVerdict.Asked => asked,
                ObjectVerdict.Wrong => wrong,
                _ => null,
            };
            if (mask is not null) MarkBox(mask, objects[o], w, h);
        }

        var signs = new sbyte[w * h];
        for (int i = 0; i < signs.Length; i++) signs[i] = (sbyte)((asked[i] ? 1 : 0) - (wrong[i] ? 1 : 0));
        return signs;
    }

    /// <summary>Marks the pixels [x, x + 1) × [y, y + 1) that overlap the object's padded box.</summary>
    private static void MarkBox(bool[] mask, DetectedObject obj, int w, int h)
    {
        int x0 = Math.Max(0, (int)Math.Floor(obj.CenterX - (obj.Width / 2) - Padding));
        int x1 = Math.Min(w - 1, (int)Math.Ceiling(obj.CenterX + (obj.Width / 2) + Padding) - 1);
        int y0 = Math.Max(0, (int)Math.Floor(obj.CenterY - (obj.Height / 2) - Padding));
        int y1 = Math.Min(h - 1, (int)Math.Ceiling(obj.CenterY + (obj.Height / 2) + Padding) - 1);
        for (int y = y0; y <= y1; y++)
            for (int x = x0; x <= x1; x++) mask[(y * w) + x] = true;
    }
}
