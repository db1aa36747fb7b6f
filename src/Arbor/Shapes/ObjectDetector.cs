using System.Buffers;
using Arbor.Imaging;

namespace Arbor.Shapes;

/// <summary>
/// Finds the objects of an image from its pixels alone (never from a scene graph), in four steps.
/// <list type="number">
/// <item><b>Color model.</b> An anti-aliased pixel is a blend <c>bg + a·(c − bg)</c> of the background and
/// one palette color c. For each color the pixel is projected on that segment: the projection is the
/// coverage a, the distance to the segment the residual. The color with the smallest residual (among
/// those with coverage ≥ <see cref="VerifierConfig.CandidateCoverage"/>) explains the pixel if the residual
/// is ≤ <see cref="VerifierConfig.MaxColorResidual"/>. Nearest-palette-color classification would be
/// wrong here: a half-covered red edge pixel is nearer to purple than to red.</item>
/// <item><b>Components.</b> Pixels explained by a color with coverage ≥ <see cref="VerifierConfig.CoreCoverage"/>
/// are core pixels; 8-connected core pixels of one color form a component (the thin apex of a small triangle
/// touches its body only diagonally; objects are drawn far enough apart never to touch). Edge pixels of lower coverage
/// join the measurements of the component they touch (8-neighbours), but never start one.</item>
/// <item><b>Measurements</b>, each pixel weighted by its coverage (relative to the median coverage of the
/// object's interior, so a uniformly washed-out color does not bias them): area; width and height as the sums of the
/// column and row coverage maxima (exact for axis-aligned edges); the center of those profiles (the
/// bounding-box center); the vertical skewness of the mass. Components below
/// <see cref="VerifierConfig.MinAreaFraction"/> of the canvas are specks and are ignored.</item>
/// <item><b>Shape.</b> Skewness below <see cref="VerifierConfig.TriangleSkew"/> means a triangle; otherwise the
/// fill of the bounding box separates square (≈1), circle (≈π/4) and cross (≈5/9). Regions too large,
/// too elongated, too sparse or skewed the wrong way are unrecognized (shape null).</item>
/// </list>
/// Everything is relative to the canvas, so one detector serves 32 and 64 px. A detector holds no state after
/// construction and may be shared across threads.
/// </summary>
public sealed class ObjectDetector
{
    private static readonly Rgb[] Colors = [.. ShapePalette.Colors.Select(c => c.ToRgb())];
    private readonly double[] _dr, _dg, _db, _norm2;

    public ObjectDetector(VerifierConfig? config = null)
    {
        Config = config ?? new VerifierConfig();
        Config.Validate();
        var bg = ShapePalette.Background;
        int k = Colors.Length;
        _dr = new double[k];
        _dg = new double[k];
        _db = new double[k];
        _norm2 = new double[k];
        for (int i = 0; i < k; i++)
        {
            _dr[i] = Colors[i].R - bg.R;
            _dg[i] = Colors[i].G - bg.G;
            _db[i] = Colors[i].B - bg.B;
            _norm2[i] = (_dr[i] * _dr[i]) + (_dg[i] * _dg[i]) + (_db[i] * _db[i]);
        }
    }

    public VerifierConfig Config { get; }

    /// <summary>The objects of <paramref name="image"/> (RGB or RGBA; alpha is ignored).</summary>
    public DetectionResult Detect(Image8 image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels is not (3 or 4))
            throw new ArgumentException($"the verifier reads RGB or RGBA images, not {image.Channels}-channel ones", nameof(image));

        // Five bytes per pixel of working memory, the least that labels components (a 4096 x 4096 image, the reward
        // server's largest, needs 80 MB), and nothing else that grows with the pixels, whatever the image: a core
        // pixel's coverage is recomputed from its colour when it is measured rather than stored, one array of ids
        // serves core and edge pixels, which never overlap, and the flood fill's queue is threaded through that same
        // array (below). Both arrays are native and freed on return, so that no image leaves garbage that scales with
        // its pixels (NativeBuffer). A managed queue and coverage list cost 25 B/px more for a region covering a whole
        // 4000 x 4000 image (403 MB allocated; docs/RELIABILITY.md).
        int w = image.Width, h = image.Height, n = w * h;
        using var labels = new NativeBuffer<sbyte>(n);
        using var owners = new NativeBuffer<int>(n);
        var label = labels.Span;         // color index of a core pixel, −1 otherwise
        for (int i = 0; i < n; i++)
        {
            int o = i * image.Channels;
            int best = Explain(image.Pixels[o], image.Pixels[o + 1], image.Pixels[o + 2], out double coverage);
            label[i] = (sbyte)(best >= 0 && coverage >= Config.CoreCoverage ? best : -1);
        }

        var objects = new List<DetectedObject>();
        int ignored = 0;
        // For an edge pixel, the id (from 1) of the component that counted it (so two same-colored neighbours never
        // share one); 0 = none yet. For a core pixel, nonzero once its component reached it: the link to the next core
        // pixel of its component in the order the breadth-first fill reached them (Link/Next), so the component is a
        // list threaded through this array, walked in that order by Measure as it walked the queue before.
        var owner = owners.Span;
        int nextId = 0;
        double minArea = Config.MinAreaFraction * n;
        for (int seed = 0; seed < n; seed++)
        {
            if (label[seed] < 0 || owner[seed] != 0) continue;
            int id = ++nextId;
            int color = label[seed];
            owner[seed] = End;
            int tail = seed;
            for (int p = seed; p >= 0; p = Next(owner[p]))
            {
                int x = p % w, y = p / w;
                for (int dy = -1; dy <= 1; dy++)
                {
                    for (int dx = -1; dx <= 1; dx++)
                    {
                        int nx = x + dx, ny = y + dy;
                        if ((uint)nx >= (uint)w || (uint)ny >= (uint)h) continue;
                        int next = (ny * w) + nx;
                        if (label[next] == color && owner[next] == 0)
                        {
                            owner[tail] = Link(next);
                            owner[next] = End;
                            tail = next;
                        }
                    }
                }
            }

            var measured = Measure(image, seed, id, color, label, owner);
            if (measured is null || measured.Area < minArea)
            {
                ignored++;
                continue;
            }

            objects.Add(measured);
        }

        return new DetectionResult(w, h, objects, ignored);
    }

    /// <summary>The owner entry of the last core pixel of a component's list: nonzero, and no <see cref="Link"/>.</summary>
    private const int End = int.MinValue;

    /// <summary>The owner entry of a core pixel whose successor in its component
    /// is pixel <paramref name="next"/>: −1 − next, never 0.</summary>
    private static int Link(int next) => -1 - next;

    /// <summary>The successor a core pixel's owner entry links to, or −1 at the end of the list.</summary>
    private static int Next(int entry) => entry == End ? -1 : -1 - entry;

    /// <summary>The palette color index that explains the pixel (or −1) and its coverage.</summary>
    private int Explain(byte r, byte g, byte b, out double coverage)
    {
        var bg = ShapePalette.Background;
        double pr = r - bg.R, pg = g - bg.G, pb = b - bg.B;
        int bestIndex = -1;
        double bestResidual = double.MaxValue, bestCoverage = 0;
        for (int k = 0; k < _norm2.Length; k++)
        {
            double a = ((pr * _dr[k]) + (pg * _dg[k]) + (pb * _db[k])) / _norm2[k];
            if (a < Config.CandidateCoverage) continue;
            double residual = Residual(pr, pg, pb, k, a);
            if (residual < bestResidual)
            {
                bestResidual = residual;
                bestIndex = k;
                bestCoverage = a;
            }
        }

        coverage = Math.Min(bestCoverage, 1);
        return bestIndex >= 0 && bestResidual <= Config.MaxColorResidual ? bestIndex : -1;
    }

    /// <summary>Coverage of pixel <paramref name="p"/> by color <paramref name="k"/>,
    /// in [0, 1]; 0 when the pixel is no blend of that color.</summary>
    private double CoverageBy(Image8 image, int p, int k)
    {
        var bg = ShapePalette.Background;
        int o = p * image.Channels;
        double pr = image.Pixels[o] - bg.R, pg = image.Pixels[o + 1] - bg.G, pb = image.Pixels[o + 2] - bg.B;
        double a = ((pr * _dr[k]) + (pg * _dg[k]) + (pb * _db[k])) / _norm2[k];
        if (a <= 0 || Residual(pr, pg, pb, k, a) > Config.MaxColorResidual) return 0;
        return Math.Min(a, 1);
    }

    /// <summary>Distance from the pixel offset (pr, pg, pb) to the segment of
    /// color <paramref name="k"/>, projection <paramref name="a"/>.</summary>
    private double Residual(double pr, double pg, double pb, int k, double a)
    {
        double t = Math.Clamp(a, 0, 1);
        double er = pr - (t * _dr[k]), eg = pg - (t * _dg[k]), eb = pb - (t * _db[k]);
        return Math.Sqrt((er * er) + (eg * eg) + (eb * eb));
    }

    private DetectedObject? Measure(Image8 image, int first, int id, int color, ReadOnlySpan<sbyte> label, Span<int> owner)
    {
        int w = image.Width, h = image.Height;
        int minX = w, maxX = -1, minY = h, maxY = -1;
        for (int p = first; p >= 0; p = Next(owner[p]))
        {
            int x = p % w, y = p / w;
            minX = Math.Min(minX, x);
            maxX = Math.Max(maxX, x);
            minY = Math.Min(minY, y);
            maxY = Math.Max(maxY, y);
        }

        // The measured window: the core's box grown by the one-pixel ring of edge pixels.
        int x0 = Math.Max(0, minX - 1), x1 = Math.Min(w - 1, maxX + 1);
        int y0 = Math.Max(0, minY - 1), y1 = Math.Min(h - 1, maxY + 1);
        var colMax = new double[x1 - x0 + 1];
        var rowMax = new double[y1 - y0 + 1];
        double area = 0, sumY = 0, sumY2 = 0, sumY3 = 0;

        void Add(int p, double weight)
        {
            int x = p % w, y = p / w;
            double cy = y + 0.5;
            area += weight;
            sumY += weight * cy;
            sumY2 += weight * cy * cy;
            sumY3 += weight * cy * cy * cy;
            colMax[x - x0] = Math.Max(colMax[x - x0], weight);
            rowMax[y - y0] = Math.Max(rowMax[y - y0], weight);
        }

        // Coverage is relative to the object's own full-coverage level: the median of its interior pixels (all four
        // neighbours core). Exact renders give 1; an image whose colors are uniformly washed out (a generator's
        // brightness drift) gives less, and dividing by it keeps the fill ratio, which compares area to extents, unbiased.
        // A core pixel's coverage by its own color is the one Explain found (the same projection and residual).
        double peak = InteriorLevel(image, first, label, owner, color);
        for (int p = first; p >= 0; p = Next(owner[p])) Add(p, Math.Min(1, CoverageBy(image, p, color) / peak));
        for (int p = first; p >= 0; p = Next(owner[p]))
        {
            int x = p % w, y = p / w;
            for (int dy = -1; dy <= 1; dy++)
            {
                for (int dx = -1; dx <= 1; dx++)
                {
                    int nx = x + dx, ny = y + dy;
                    if ((uint)nx >= (uint)w || (uint)ny >= (uint)h) continue;
                    int q = (ny * w) + nx;
                    // An edge pixel: not a core pixel, and not yet counted by any component (so two same-colored
                    // neighbours never share one). Its weight is its coverage by this color, if this color explains it.
                    if (label[q] >= 0 || owner[q] != 0) continue;
                    double a = CoverageBy(image, q, color);
                    if (a <= 0) continue;
                    owner[q] = id;
                    Add(q, Math.Min(1, a / peak));
                }
            }
        }

        if (area <= 0) return null;
        double width = colMax.Sum(), height = rowMax.Sum();
        double centerX = x0 + Center(colMax), centerY = y0 + Center(rowMax);
        double meanY = sumY / area;
        double varY = (sumY2 / area) - (meanY * meanY);
        double m3 = (sumY3 / area) - (3 * meanY * sumY2 / area) + (2 * meanY * meanY * meanY);
        double skew = varY > 1e-9 ? m3 / Math.Pow(varY, 1.5) : 0;
        double fill = area / Math.Max(width * height, 1e-9);
        double extent = Math.Max(width / w, height / h);
        var size = extent >= Config.LargeExtent ? SizeClass.Large : SizeClass.Small;
        var shape = Classify(width, height, fill, skew, extent);
        return new DetectedObject(shape, ShapePalette.Colors[color], size, centerX, centerY, width, height, area, fill, skew, extent);
    }

    /// <summary>Median coverage of the core pixels whose four neighbours are
    /// core too (1 when there are fewer than 3 of them), at least 0.6.</summary>
    private double InteriorLevel(Image8 image, int first, ReadOnlySpan<sbyte> label, ReadOnlySpan<int> owner, int color)
    {
        int w = image.Width, h = image.Height;
        int count = 0;
        for (int p = first; p >= 0; p = Next(owner[p]))
        {
            if (IsInterior(label, p, w, h, color)) count++;
        }

        if (count < 3) return 1;
        int k = count / 2;   // the median's rank in the sorted values
        double median;
        if (count <= SmallInterior)
        {
            Span<double> values = stackalloc double[count];
            int i = 0;
            for (int p = first; p >= 0; p = Next(owner[p]))
            {
                if (IsInterior(label, p, w, h, color)) values[i++] = CoverageBy(image, p, color);
            }

            values.Sort();
            median = values[k];
        }
        else
        {
            median = SelectInterior(image, first, label, owner, color, k);
        }

        return Math.Clamp(median, 0.6, 1);
    }

    /// <summary>Interiors up to this many pixels are sorted on the stack (4 KB); larger ones are selected in passes.</summary>
    private const int SmallInterior = 512;

    /// <summary>
    /// The <paramref name="k"/>-th smallest (from 0) interior coverage of a component, in constant memory rather than a
    /// list of all of them (8 B/px; a whole-image component has 16 M). Coverages are finite and in [0, 1], and the bits of
    /// non-negative doubles order as the doubles do, so the value is found 16 bits at a time: each pass counts the
    /// candidates (the values whose higher bits are those found so far) by their next 16 bits and keeps the bucket
    /// that holds rank k. At most four passes, one when all candidates are equal (an exact render). The value is the
    /// one sorting would give, bit for bit.
    /// </summary>
    private double SelectInterior(Image8 image, int first, ReadOnlySpan<sbyte> label, ReadOnlySpan<int> owner, int color, int k)
    {
        int w = image.Width, h = image.Height;
        var counts = ArrayPool<int>.Shared.Rent(1 << 16);
        try
        {
            ulong prefix = 0;
            for (int shift = 48; ; shift -= 16)
            {
                Array.Clear(counts, 0, 1 << 16);
                ulong min = ulong.MaxValue, max = 0;
                for (int p = first; p >= 0; p = Next(owner[p]))
                {
                    if (!IsInterior(label, p, w, h, color)) continue;
                    ulong bits = (ulong)BitConverter.DoubleToInt64Bits(CoverageBy(image, p, color));
                    if (shift < 48 && bits >> (shift + 16) != prefix >> (shift + 16)) continue;
                    counts[(int)((bits >> shift) & 0xFFFF)]++;
                    min = Math.Min(min, bits);
                    max = Math.Max(max, bits);
                }

                if (min == max) return BitConverter.Int64BitsToDouble((long)min);
                int digit = 0;
                while (k >= counts[digit]) k -= counts[digit++];
                prefix |= (ulong)digit << shift;
                if (shift == 0) return BitConverter.Int64BitsToDouble((long)prefix);
            }
        }
        finally
        {
            ArrayPool<int>.Shared.Return(counts);
        }
    }

    /// <summary>A core pixel of <paramref name="color"/> whose four neighbours are core pixels of it too.</summary>
    private static bool IsInterior(ReadOnlySpan<sbyte> label, int p, int w, int h, int color)
    {
        int x = p % w, y = p / w;
        return x > 0 && x < w - 1 && y > 0 && y < h - 1 &&
               label[p - 1] == color && label[p + 1] == color && label[p - w] == color && label[p + w] == color;
    }

    /// <summary>Center of mass of a coverage profile, in pixels from its first cell's left edge.</summary>
    private static double Center(double[] profile)
    {
        double sum = 0, moment = 0;
        for (int i = 0; i < profile.Length; i++)
        {
            sum += profile[i];
            moment += profile[i] * (i + 0.5);
        }

        return moment / sum;
    }

    /// <summary>The shape the measurements describe, or null when they fit none.</summary>
    private ShapeKind? Classify(double width, double height, double fill, double skew, double extent)
    {
        if (extent > Config.MaxExtentFraction) return null;
        double aspect = width / Math.Max(height, 1e-9);
        if (aspect < Config.MinAspect || aspect > 1 / Config.MinAspect) return null;
        if (fill < Config.MinFill) return null;
        if (skew < Config.TriangleSkew) return fill <= Config.TriangleMaxFill ? ShapeKind.Triangle : null;
        if (skew > -Config.TriangleSkew) return null;   // an upside-down triangle is not a shape of this world
        if (fill >= Config.SquareFill) return ShapeKind.Square;
        return fill >= Config.CircleFill ? ShapeKind.Circle : ShapeKind.Cross;
    }
}
