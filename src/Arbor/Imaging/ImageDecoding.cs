using SkiaSharp;

namespace Arbor.Imaging;

/// <summary>What an encoded image's header says, read without decoding a pixel.</summary>
/// <param name="Format">"png" or "jpeg".</param>
public readonly record struct EncodedImageInfo(int Width, int Height, string Format)
{
    public long Pixels => (long)Width * Height;
}

/// <summary>
/// Decodes PNG and JPEG files from any writer (PIL, OpenCV, browsers) to RGB <see cref="Image8"/>s through Skia:
/// PNG of every colour type, bit depth and interlace (palette, 16-bit, gray, alpha, Adam7) and baseline or
/// progressive JPEG. <see cref="PngDecoder"/> reads only what <see cref="PngEncoder"/> writes; this is the reader
/// for bytes from outside. Read <see cref="Probe"/> first and check the dimensions: decoding allocates
/// 4 bytes per pixel however few bytes the file has.
/// </summary>
public static class ImageDecoding
{
    /// <summary>
    /// The dimensions and format from the header alone (Skia parses the header, never the pixel data).
    /// Throws <see cref="InvalidDataException"/> when the bytes are not a PNG or JPEG Skia can read.
    /// </summary>
    public static EncodedImageInfo Probe(ReadOnlySpan<byte> encoded)
    {
        using var data = Copy(encoded);
        using var codec = Open(data, encoded);
        return InfoOf(codec);
    }

    /// <summary>
    /// Decodes to 3-channel RGB. Alpha is dropped, not composited: a transparent pixel keeps its colour, as
    /// PIL's <c>Image.convert("RGB")</c> does, so the same file gives a Python reward and this one the same pixels.
    /// Colours are the file's own values (no colour-space conversion), 16-bit samples are reduced to 8 bits, and
    /// a JPEG's EXIF orientation is not applied (as PIL without <c>exif_transpose</c>).
    /// Throws <see cref="InvalidDataException"/> when the data is not decodable, is truncated, or has more than
    /// <paramref name="maxPixels"/> pixels (checked from the header, before any pixel buffer is allocated).
    /// </summary>
    public static Image8 DecodeRgb(ReadOnlySpan<byte> encoded, long maxPixels = long.MaxValue)
    {
        using var data = Copy(encoded);
        using var codec = Open(data, encoded);
        var info = InfoOf(codec);
        if (info.Pixels > maxPixels || info.Pixels > Array.MaxLength / 4)
        {
            throw new InvalidDataException($"a {info.Width}x{info.Height} {info.Format} has {info.Pixels} pixels, over the limit of " +
                $"{Math.Min(maxPixels, Array.MaxLength / 4)}");
        }

        // Unpremultiplied RGBA with no colour space: Skia converts palette, gray, 16-bit and interlaced input to
        // this layout without touching the colour values. Skia's PNG codec decodes only whole images (scanline
        // decoding answers Unimplemented), so the RGBA goes to a full-size buffer first (64 MB for 4096 x 4096):
        // native, and freed as soon as the RGB is packed, so it neither waits for the GC nor stays in a pool.
        var target = new SKImageInfo(info.Width, info.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        using var rgba = new NativeBuffer<byte>(checked((int)info.Pixels * 4));
        var result = codec.GetPixels(target, rgba.Address, target.RowBytes, new SKCodecOptions());
        if (result != SKCodecResult.Success)
            throw new InvalidDataException($"the {info.Width}x{info.Height} {info.Format} could not be decoded: {Describe(result)}");
        var image = new Image8(info.Width, info.Height, 3);
        ReadOnlySpan<byte> from = rgba.Span;
        Span<byte> to = image.Pixels;
        for (int s = 0, d = 0; d < to.Length; s += 4, d += 3)
        {
            to[d] = from[s];
            to[d + 1] = from[s + 1];
            to[d + 2] = from[s + 2];
        }

        return image;
    }

    /// <summary>A native copy for Skia, which reads from it as long as the codec lives (dispose it after the codec).</summary>
    private static SKData Copy(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty) throw new InvalidDataException("the image is empty (0 bytes)");
        return SKData.CreateCopy(encoded);
    }

    private static SKCodec Open(SKData data, ReadOnlySpan<byte> encoded)
    {
        var codec = SKCodec.Create(data)
                    ?? throw new InvalidDataException($"{encoded.Length} bytes starting {Hex(encoded)} are not a PNG or " +
                        $"JPEG that can be read");
        if (codec.EncodedFormat is not (SKEncodedImageFormat.Png or SKEncodedImageFormat.Jpeg))
        {
            var format = codec.EncodedFormat;
            codec.Dispose();
            throw new InvalidDataException($"the image is {format}; PNG or JPEG is expected");
        }

        return codec;
    }

    private static EncodedImageInfo InfoOf(SKCodec codec) =>
        new(codec.Info.Width, codec.Info.Height, codec.EncodedFormat == SKEncodedImageFormat.Png ? "png" : "jpeg");

    private static string Describe(SKCodecResult result) => result switch
    {
        SKCodecResult.IncompleteInput => "the data ends early (truncated file)",
        SKCodecResult.ErrorInInput => "the data is corrupt",
        _ => result.ToString(),
    };

    private static string Hex(ReadOnlySpan<byte> bytes) => Convert.ToHexString(bytes[..Math.Min(8, bytes.Length)]);
}
