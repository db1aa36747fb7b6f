using Arbor.Configuration;

namespace Arbor.Shapes;

/// <summary>
/// Thresholds of the pixel verifier. Lengths and areas are fractions of the canvas, so one config serves
/// every resolution. Defaults sit halfway (or further) between the feature values of the rendered
/// shapes, measured on anti-aliased renders at 32 and 64 px (see the Shapes tests), so jittered ground
/// truth passes with margin while blank canvases, noise, and wrong shapes, colors, counts and positions fail.
/// </summary>
public sealed record VerifierConfig : IValidatedConfig
{
    /// <summary>
    /// Largest RGB distance between a pixel and the segment from the background to a palette color for that
    /// color to explain it. Blends of one color with the background lie on the segment (distance 0); the
    /// segments of different colors are ≥ ~40 apart at half coverage and ≥ 100 at full.
    /// </summary>
    public double MaxColorResidual { get; init; } = 40;

    /// <summary>Least coverage (projection on the background→color segment) for a color to be considered for a pixel.</summary>
    public double CandidateCoverage { get; init; } = 0.15;

    /// <summary>
    /// Least coverage for a pixel to seed an object (to be a "core" pixel). Edge pixels below it still add
    /// their coverage to the adjacent object's measurements but can never start an object of their own,
    /// which is what keeps anti-aliased edges from creating spurious objects.
    /// </summary>
    public double CoreCoverage { get; init; } = 0.5;

    /// <summary>Least coverage-weighted area of an object, as a fraction of the canvas (a small triangle is ≈0.016).</summary>
    public double MinAreaFraction { get; init; } = 0.006;

    /// <summary>Largest extent of an object, as a fraction of the canvas side
    /// (a large one is ≤ 0.44); bigger components are not shapes.</summary>
    public double MaxExtentFraction { get; init; } = 0.7;

    /// <summary>Least width/height ratio (and its inverse the largest) of a
    /// shape; every shape of the world is as wide as it is tall.</summary>
    public double MinAspect { get; init; } = 0.6;

    /// <summary>Least fraction of its bounding box a shape fills (the triangle, the emptiest, fills 1/2).</summary>
    public double MinFill { get; init; } = 0.35;

    /// <summary>Vertical skewness of the mass below which a shape is a triangle (apex up: ≈ −0.57; the other shapes ≈ 0).</summary>
    public double TriangleSkew { get; init; } = -0.27;

    /// <summary>Largest fill of a triangle (ideal 1/2); a vertically skewed blob that fills more is unrecognized.</summary>
    public double TriangleMaxFill { get; init; } = 0.85;

    /// <summary>Least fill of a square (ideal 1; a circle fills π/4 ≈ 0.785).</summary>
    public double SquareFill { get; init; } = 0.88;

    /// <summary>Least fill of a circle (ideal π/4 ≈ 0.785; a cross fills 5/9 ≈ 0.556).</summary>
    public double CircleFill { get; init; } = 0.67;

    /// <summary>Extent (fraction of the canvas side) from which an object is large: between small ≤ 0.22 and large ≥ 0.36.</summary>
    public double LargeExtent { get; init; } = 0.29;

    /// <summary>GenEval's position threshold: center offsets shrink by this times the summed box sizes before the direction test.</summary>
    public double PositionThreshold { get; init; } = 0.1;

    /// <summary>GenEval's direction test: a relation holds when the shrunk offset's
    /// unit component along its axis exceeds this (within ≈60°).</summary>
    public double DirectionThreshold { get; init; } = 0.5;

    public IEnumerable<string> Problems()
    {
        if (MaxColorResidual <= 0) yield return "max_color_residual must be > 0";
        if (CandidateCoverage is < 0 or > 1) yield return "candidate_coverage must be in [0, 1]";
        if (CoreCoverage is <= 0 or > 1) yield return "core_coverage must be in (0, 1]";
        if (CandidateCoverage > CoreCoverage) yield return "candidate_coverage must not exceed core_coverage";
        if (MinAreaFraction < 0) yield return "min_area_fraction must be >= 0";
        if (MaxExtentFraction <= 0) yield return "max_extent_fraction must be > 0";
        if (MinAspect is <= 0 or > 1) yield return "min_aspect must be in (0, 1]";
        if (!(MinFill < CircleFill && CircleFill < SquareFill)) yield return "fills must satisfy min_fill < circle_fill < square_fill";
        if (LargeExtent <= 0) yield return "large_extent must be > 0";
        if (PositionThreshold < 0) yield return "position_threshold must be >= 0";
        if (DirectionThreshold is < 0 or >= 1) yield return "direction_threshold must be in [0, 1)";
    }

    /// <summary>Throws an <see cref="ArgumentException"/> listing every problem, if there are any.</summary>
    public void Validate()
    {
        var problems = Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException("invalid verifier config: " + string.Join("; ", problems));
    }
}
