namespace Arbor.Training;

/// <summary>
/// An image's advantage spread over its pixels by dense credit (<see cref="Rewards.IPixelCredit"/>): where the reward says a
/// pixel is right its advantage is never negative, where it says wrong never positive, elsewhere the image's own.
/// A failed image is not pushed away from the objects it drew right, and an above-average image is not pulled toward
/// the object it drew wrong; the map adds no credit of its own size, so the loss's scale and clip are unchanged.
/// </summary>
public static class AdvantageMaps
{
    /// <summary>A(x) = max(A, 0) where <paramref name="signs"/> is +1, min(A, 0) where −1, A where 0.</summary>
    public static float[] Of(double advantage, sbyte[] signs)
    {
        float a = (float)advantage, up = Math.Max(a, 0), down = Math.Min(a, 0);
        var map = new float[signs.Length];
        for (int i = 0; i < map.Length; i++) map[i] = signs[i] > 0 ? up : signs[i] < 0 ? down : a;
        return map;
    }
}
