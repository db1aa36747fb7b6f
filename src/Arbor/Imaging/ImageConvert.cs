namespace Arbor.Imaging;

/// <summary>
/// Conversions between float tensors in CHW (channel, row, column) layout and 8-bit images. A value range
/// <c>(Lo, Hi)</c> maps <c>Lo</c> to 0 and <c>Hi</c> to 255; model outputs are usually in <see cref="MinusOneToOne"/>.
/// </summary>
public static class ImageConvert
{
    /// <summary>The range of diffusion-model pixel outputs.</summary>
    public static readonly (float Lo, float Hi) MinusOneToOne = (-1f, 1f);

    /// <summary>The range of normalised pixel values.</summary>
    public static readonly (float Lo, float Hi) ZeroToOne = (0f, 1f);

    /// <summary>
    /// Converts a CHW float array to an image: each value becomes <c>floor((v - Lo) / (Hi - Lo) * 255 + 0.5)</c>,
    /// clamped to [0, 255] (NaN becomes 0). Element (c, y, x) is <c>chw[(c * height + y) * width + x]</c>.
    /// </summary>
    public static Image8 FromChwFloats(ReadOnlySpan<float> chw, int channels, int height, int width, (float Lo, float Hi) range)
    {
        ValidateRange(range);
        var image = new Image8(width, height, channels);
        int plane = width * height;
        if (chw.Length != (long)plane * channels)
        {
            throw new ArgumentException(
                $"CHW data has {chw.Length} values; {channels}x{height}x{width} needs {(long)plane * channels}.", nameof(chw));
        }

        float scale = 255f / (range.Hi - range.Lo);
        byte[] pixels = image.Pixels;
        for (int c = 0; c < channels; c++)
        {
            var source = chw.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++)
            {
                pixels[(i * channels) + c] = ToByte((source[i] - range.Lo) * scale);
            }
        }

        return image;
    }

    /// <summary>
    /// Converts a batch in NCHW layout to <paramref name="count"/> images (see <see cref="FromChwFloats"/>).
    /// </summary>
    public static Image8[] FromNchwFloats(
        ReadOnlySpan<float> nchw, int count, int channels, int height, int width, (float Lo, float Hi) range)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        long each = (long)channels * height * width;
        if (nchw.Length != each * count)
        {
            throw new ArgumentException(
                $"NCHW data has {nchw.Length} values; {count}x{channels}x{height}x{width} needs {each * count}.", nameof(nchw));
        }

        var images = new Image8[count];
        for (int n = 0; n < count; n++)
        {
            images[n] = FromChwFloats(nchw.Slice((int)(n * each), (int)each), channels, height, width, range);
        }

        return images;
    }

    /// <summary>The image as a new CHW float array: byte <c>b</c> becomes <c>Lo + b / 255 * (Hi - Lo)</c>.</summary>
    public static float[] ToChwFloats(Image8 image, (float Lo, float Hi) range)
    {
        ArgumentNullException.ThrowIfNull(image);
        var result = new float[image.Pixels.Length];
        ToChwFloats(image, range, result);
        return result;
    }

    /// <summary>Writes the image into <paramref name="destination"/> (exactly channels * height * width floats) in CHW layout.</summary>
    public static void ToChwFloats(Image8 image, (float Lo, float Hi) range, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(image);
        ValidateRange(range);
        if (destination.Length != image.Pixels.Length)
        {
            throw new ArgumentException(
                $"Destination has {destination.Length} floats; {image} needs {image.Pixels.Length}.", nameof(destination));
        }

        int channels = image.Channels;
        int plane = image.Width * image.Height;
        float step = (range.Hi - range.Lo) / 255f;
        byte[] pixels = image.Pixels;
        for (int c = 0; c < channels; c++)
        {
            var target = destination.Slice(c * plane, plane);
            for (int i = 0; i < plane; i++)
            {
                target[i] = range.Lo + (pixels[(i * channels) + c] * step);
            }
        }
    }

    private static byte ToByte(float scaled)
    {
        if (!(scaled > 0f)) return 0; // negative, zero or NaN
        if (scaled >= 254.5f) return 255;
        return (byte)(int)(scaled + 0.5f);
    }

    private static void ValidateRange((float Lo, float Hi) range)
    {
        if (!float.IsFinite(range.Lo) || !float.IsFinite(range.Hi) || !(range.Hi > range.Lo))
        {
            throw new ArgumentException($"Value range ({range.Lo}, {range.Hi}) must be finite with Lo < Hi.", nameof(range));
        }
    }
}
