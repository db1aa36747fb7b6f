using Arbor.Configuration;

namespace Arbor.Shapes;

/// <summary>
/// How scenes are laid out. Every length is a fraction of the canvas side, so the same layout works at
/// 32 and 64 pixels. The defaults keep small (≈1/5) and large (≈2/5) a factor of two apart even with
/// jitter, leave a gap wide enough that two objects' anti-aliased edges never touch (so the verifier
/// sees separate components), and make regions and relations hold with a clear margin.
/// </summary>
public sealed record SceneLayout : IValidatedConfig
{
    /// <summary>Canvas side in pixels (square canvas).</summary>
    public int CanvasSize { get; init; } = 32;

    /// <summary>Nominal size of a small object, as a fraction of the canvas side.</summary>
    public double SmallFraction { get; init; } = 0.2;

    /// <summary>Nominal size of a large object, as a fraction of the canvas side.</summary>
    public double LargeFraction { get; init; } = 0.4;

    /// <summary>Relative size jitter: sizes are uniform in nominal·[1 − jitter, 1 + jitter].</summary>
    public double SizeJitter { get; init; } = 0.1;

    /// <summary>Probability an object whose size the prompt leaves open is
    /// large (lowered automatically when large objects do not fit).</summary>
    public double LargeProbability { get; init; } = 0.5;

    /// <summary>Least distance between two objects' bounding boxes (on at least one axis), as a fraction of the side.</summary>
    public double GapFraction { get; init; } = 0.08;

    /// <summary>Least distance between an object's bounding box and the canvas edge, as a fraction of the side.</summary>
    public double BorderFraction { get; init; } = 0.03;

    /// <summary>How far inside its third a region-constrained center must be, as a fraction of the side.</summary>
    public double RegionMarginFraction { get; init; } = 0.04;

    /// <summary>
    /// For "A left of B" (and the other relations): the largest off-axis offset between the centers, as a
    /// multiple of the on-axis one, so the stated relation dominates and the perpendicular ones clearly fail.
    /// </summary>
    public double RelationCrossRatio { get; init; } = 0.5;

    /// <summary>Whole-scene placement attempts before the sampler gives up on a prompt.</summary>
    public int MaxAttempts { get; init; } = 400;

    /// <summary>Position tries per object within one attempt.</summary>
    public int PlacementTries { get; init; } = 64;

    /// <summary>Nominal size in pixels of <paramref name="size"/>.</summary>
    public double NominalPixels(SizeClass size) => (size == SizeClass.Small ? SmallFraction : LargeFraction) * CanvasSize;

    public IEnumerable<string> Problems()
    {
        if (CanvasSize < 16) yield return "canvas_size must be >= 16";
        if (SmallFraction <= 0 || LargeFraction <= 0) yield return "small_fraction and large_fraction must be > 0";
        if (SizeJitter is < 0 or >= 0.5) yield return "size_jitter must be in [0, 0.5)";
        if (SmallFraction * (1 + SizeJitter) >= LargeFraction * (1 - SizeJitter))
            yield return "small and large sizes overlap: small_fraction·(1+size_jitter) must be below large_fraction·(1−size_jitter)";
        if ((LargeFraction * (1 + SizeJitter)) + (2 * BorderFraction) > 1) yield return "a large object does not fit on the canvas";
        if (LargeProbability is < 0 or > 1) yield return "large_probability must be in [0, 1]";
        if (GapFraction < 0) yield return "gap_fraction must be >= 0";
        if (BorderFraction < 0) yield return "border_fraction must be >= 0";
        if (RegionMarginFraction < 0) yield return "region_margin_fraction must be >= 0";
        if (RelationCrossRatio is < 0 or > 1) yield return "relation_cross_ratio must be in [0, 1]";
        if (MaxAttempts < 1) yield return "max_attempts must be >= 1";
        if (PlacementTries < 1) yield return "placement_tries must be >= 1";
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem, if there are any.</summary>
    public void Validate()
    {
        var problems = Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException("invalid scene layout: " + string.Join("; ", problems));
    }
}
