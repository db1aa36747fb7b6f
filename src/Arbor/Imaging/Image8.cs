namespace Arbor.Imaging;

/// <summary>
/// An 8-bit image: <see cref="Width"/> x <see cref="Height"/> pixels with <see cref="Channels"/> bytes each
/// (1 = gray, 2 = gray+alpha, 3 = RGB, 4 = RGBA), stored row-major and interleaved in <see cref="Pixels"/>:
/// the byte of channel <c>c</c> at column <c>x</c>, row <c>y</c> is <c>Pixels[(y * Width + x) * Channels + c]</c>.
/// </summary>
public sealed class Image8
{
    /// <summary>A black (all-zero) image.</summary>
    public Image8(int width, int height, int channels)
        : this(width, height, channels, new byte[CheckedLength(width, height, channels)])
    {
    }

    /// <summary>Wraps <paramref name="pixels"/> (not copied); its length must be exactly width * height * channels.</summary>
    public Image8(int width, int height, int channels, byte[] pixels)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        long length = CheckedLength(width, height, channels);
        if (pixels.Length != length)
        {
            throw new ArgumentException(
                $"Pixel buffer has {pixels.Length} bytes; a {width}x{height} image with {channels} channel(s) needs {length}.",
                nameof(pixels));
        }

        Width = width;
        Height = height;
        Channels = channels;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>1 = gray, 2 = gray+alpha, 3 = RGB, 4 = RGBA.</summary>
    public int Channels { get; }

    /// <summary>Row-major, interleaved pixel bytes.</summary>
    public byte[] Pixels { get; }

    /// <summary>Bytes per row: <c>Width * Channels</c>.</summary>
    public int RowStride => Width * Channels;

    /// <summary>Index into <see cref="Pixels"/> of channel <paramref name="c"/> at (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public int IndexOf(int x, int y, int c = 0)
    {
        if ((uint)x >= (uint)Width) throw new ArgumentOutOfRangeException(nameof(x), x, $"x must be in [0, {Width}).");
        if ((uint)y >= (uint)Height) throw new ArgumentOutOfRangeException(nameof(y), y, $"y must be in [0, {Height}).");
        if ((uint)c >= (uint)Channels) throw new ArgumentOutOfRangeException(nameof(c), c, $"c must be in [0, {Channels}).");
        return ((y * Width) + x) * Channels + c;
    }

    public byte Get(int x, int y, int c = 0) => Pixels[IndexOf(x, y, c)];

    public void Set(int x, int y, int c, byte value) => Pixels[IndexOf(x, y, c)] = value;

    /// <summary>The <see cref="Channels"/> bytes of one pixel.</summary>
    public Span<byte> Pixel(int x, int y) => Pixels.AsSpan(IndexOf(x, y), Channels);

    /// <summary>Sets all channels of one pixel; <paramref name="values"/> must have exactly <see cref="Channels"/> bytes.</summary>
    public void SetPixel(int x, int y, params ReadOnlySpan<byte> values)
    {
        if (values.Length != Channels)
        {
            throw new ArgumentException($"Expected {Channels} channel value(s), got {values.Length}.", nameof(values));
        }

        values.CopyTo(Pixel(x, y));
    }

    /// <summary>The bytes of row <paramref name="y"/>.</summary>
    public Span<byte> Row(int y)
    {
        if ((uint)y >= (uint)Height) throw new ArgumentOutOfRangeException(nameof(y), y, $"y must be in [0, {Height}).");
        return Pixels.AsSpan(y * RowStride, RowStride);
    }

    /// <summary>Sets every byte (all channels) to <paramref name="value"/>.</summary>
    public void Fill(byte value) => Pixels.AsSpan().Fill(value);

    public Image8 Clone() => new(Width, Height, Channels, (byte[])Pixels.Clone());

    public override string ToString() => $"Image8({Width}x{Height}x{Channels})";

    private static int CheckedLength(int width, int height, int channels)
    {
        if (width < 1) throw new ArgumentOutOfRangeException(nameof(width), width, "Width must be at least 1.");
        if (height < 1) throw new ArgumentOutOfRangeException(nameof(height), height, "Height must be at least 1.");
        if (channels is < 1 or > 4) throw new ArgumentOutOfRangeException(nameof(channels), channels, "Channels must be 1, 2, 3 or 4.");
        long length = (long)width * height * channels;
        if (length > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"A {width}x{height}x{channels} image does not fit in one array.");
        }

        return (int)length;
    }
}
