using Arbor.Imaging;
using SkiaSharp;

namespace Arbor.Tests.Rewards;

/// <summary>PNG and JPEG as other tools write them decode to the expected RGB pixels through Skia.</summary>
public class ImageDecodingTests
{
    private static void AssertPixel(Image8 image, int x, int y, byte r, byte g, byte b, int tolerance = 0)
    {
        var p = image.Pixel(x, y);
        Assert.True(Math.Abs(p[0] - r) <= tolerance && Math.Abs(p[1] - g) <= tolerance && Math.Abs(p[2] - b) <= tolerance,
            $"pixel ({x}, {y}) is ({p[0]}, {p[1]}, {p[2]}), expected ({r}, {g}, {b}) ± {tolerance}");
    }

    /// <summary>2-bit palette, 4 x 2; index 1 is fully transparent in tRNS (its colour is kept: alpha is dropped).</summary>
    internal static byte[] PalettePng() => PngBytes.Build(4, 2, 2, 3,
        PngBytes.Rows([0b00_01_10_11], [0b11_10_01_00]),
        palette: [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30],
        transparency: [255, 0]);

    /// <summary>16-bit RGB, 2 x 2; each sample is 0xVVVV, so truncating or rounding to 8 bits both give 0xVV.</summary>
    internal static byte[] Rgb16Png()
    {
        static byte[] Px(params byte[] v) => v.SelectMany(b => new[] { b, b }).ToArray();
        return PngBytes.Build(2, 2, 16, 2, PngBytes.Rows(
            [.. Px(0x10, 0x20, 0x30), .. Px(0xFF, 0x00, 0x80)],
            [.. Px(0x01, 0x02, 0x03), .. Px(0xAB, 0xCD, 0xEF)]));
    }

    internal static byte[] Pattern(int x, int y) => [(byte)(x * 20), (byte)(y * 25), (byte)(x * 7 + y * 11)];

    /// <summary>Adam7, 8-bit RGB, 9 x 10: every pass is present, the last column and rows exercise partial blocks.</summary>
    internal static byte[] InterlacedPng() => PngBytes.Build(9, 10, 8, 2, PngBytes.Adam7(9, 10, Pattern), interlaced: true);

    /// <summary>8-bit gray + alpha, 3 x 2, with alphas from opaque to fully transparent.</summary>
    internal static byte[] GrayAlphaPng() => PngBytes.Build(3, 2, 8, 4, PngBytes.Rows(
        [0, 255, 100, 128, 200, 0],
        [50, 10, 150, 255, 250, 1]));

    /// <summary>A 16 x 16 JPEG (quality 100) from Skia's encoder: left half orange, right half blue.</summary>
    internal static byte[] Jpeg()
    {
        using var bitmap = new SKBitmap(new SKImageInfo(16, 16, SKColorType.Rgba8888, SKAlphaType.Opaque));
        for (int y = 0; y < 16; y++)
        {
            for (int x = 0; x < 16; x++)
                bitmap.SetPixel(x, y, x < 8 ? new SKColor(230, 120, 40) : new SKColor(30, 60, 200));
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 100);
        return data.ToArray();
    }

    [Fact]
    public void APalettePngWithTransparencyDecodesToItsColours()
    {
        var image = ImageDecoding.DecodeRgb(PalettePng());
        Assert.Equal((4, 2, 3), (image.Width, image.Height, image.Channels));
        AssertPixel(image, 0, 0, 255, 0, 0);
        AssertPixel(image, 1, 0, 0, 255, 0);   // transparent: colour kept, alpha dropped
        AssertPixel(image, 2, 0, 0, 0, 255);
        AssertPixel(image, 3, 0, 10, 20, 30);
        AssertPixel(image, 0, 1, 10, 20, 30);
        AssertPixel(image, 3, 1, 255, 0, 0);
    }

    [Fact]
    public void A16BitPngDecodesToItsHighBytes()
    {
        var image = ImageDecoding.DecodeRgb(Rgb16Png());
        AssertPixel(image, 0, 0, 0x10, 0x20, 0x30);
        AssertPixel(image, 1, 0, 0xFF, 0x00, 0x80);
        AssertPixel(image, 0, 1, 0x01, 0x02, 0x03);
        AssertPixel(image, 1, 1, 0xAB, 0xCD, 0xEF);
    }

    [Fact]
    public void AnAdam7InterlacedPngDecodesToEveryPixel()
    {
        var image = ImageDecoding.DecodeRgb(InterlacedPng());
        Assert.Equal((9, 10), (image.Width, image.Height));
        for (int y = 0; y < 10; y++)
        {
            for (int x = 0; x < 9; x++)
            {
                var p = Pattern(x, y);
                AssertPixel(image, x, y, p[0], p[1], p[2]);
            }
        }
    }

    [Fact]
    public void AGrayAlphaPngDecodesToGrayRgbWithAlphaDropped()
    {
        var image = ImageDecoding.DecodeRgb(GrayAlphaPng());
        Assert.Equal(3, image.Channels);
        byte[] grays = [0, 100, 200, 50, 150, 250];
        for (int i = 0; i < 6; i++) AssertPixel(image, i % 3, i / 3, grays[i], grays[i], grays[i]);
    }

    [Fact]
    public void AJpegDecodesToItsColours()
    {
        var image = ImageDecoding.DecodeRgb(Jpeg());
        Assert.Equal((16, 16, 3), (image.Width, image.Height, image.Channels));
        AssertPixel(image, 3, 8, 230, 120, 40, tolerance: 6);
        AssertPixel(image, 12, 8, 30, 60, 200, tolerance: 6);
    }

    [Fact]
    public void ArborsOwnPngsRoundTripExactly()
    {
        var rgba = new Image8(5, 3, 4);
        new Random(3).NextBytes(rgba.Pixels);
        var image = ImageDecoding.DecodeRgb(PngEncoder.Encode(rgba));
        for (int y = 0; y < 3; y++)
        {
            for (int x = 0; x < 5; x++)
                AssertPixel(image, x, y, rgba.Get(x, y, 0), rgba.Get(x, y, 1), rgba.Get(x, y, 2));
        }
    }

    [Fact]
    public void ProbeReadsABombsHeaderAndDecodeRefusesIt()
    {
        var bomb = PngBytes.Bomb(40000, 40000);
        Assert.Equal(new EncodedImageInfo(40000, 40000, "png"), ImageDecoding.Probe(bomb));
        var e = Assert.Throws<InvalidDataException>(() => ImageDecoding.DecodeRgb(bomb, maxPixels: 4096 * 4096));
        Assert.Contains("40000x40000", e.Message);
    }

    [Fact]
    public void TruncatedCorruptAndOtherFormatsAreInvalidData()
    {
        var noise = new Image8(64, 64, 3);
        new Random(5).NextBytes(noise.Pixels);
        var png = PngEncoder.Encode(noise);
        Assert.Throws<InvalidDataException>(() => ImageDecoding.DecodeRgb(png[..(png.Length * 6 / 10)]));
        Assert.Throws<InvalidDataException>(() => ImageDecoding.Probe("not an image at all"u8));
        Assert.Throws<InvalidDataException>(() => ImageDecoding.Probe([]));
        var gif = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");
        Assert.Contains("PNG or JPEG", Assert.Throws<InvalidDataException>(() => ImageDecoding.Probe(gif)).Message);
    }
}
