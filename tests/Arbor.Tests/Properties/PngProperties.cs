using System.IO.Compression;
using Arbor.Imaging;
using Arbor.Tests.Imaging;
using CsCheck;

namespace Arbor.Tests.Properties;

/// <summary>
/// Properties of Arbor's PNG writer and reader (<see cref="PngEncoder"/>, <see cref="PngDecoder"/>) over random images:
/// 1-4 channels, 1-40 pixels a side, pixels from noise, smooth ramps (so every row filter gets chosen) or flat areas,
/// text metadata with Latin-1 and non-Latin-1 values, every compression level and IDAT chunk lengths from 1 byte.
/// A failure prints the shrunk case and its seed; rerun it with <c>seed:</c> or <c>CsCheck_Seed</c>.
/// </summary>
public class PngProperties
{
    internal sealed record Case(Image8 Image, Dictionary<string, string> Text, CompressionLevel Compression, int MaxIdatLength)
    {
        public override string ToString() =>
            $"{Image} [{Convert.ToHexString(Image.Pixels.AsSpan(0, Math.Min(64, Image.Pixels.Length)))}...], text " +
            $"{{{string.Join(", ", Text.Select(p => $"'{p.Key}': '{p.Value}'"))}}}, " +
            $"{Compression}, IDAT ≤ {MaxIdatLength}";
    }

    private static readonly Gen<Image8> Images =
        from width in Gen.Int[1, 40]
        from height in Gen.Int[1, 40]
        from channels in Gen.Int[1, 4]
        from kind in Gen.Int[0, 2]
        from noise in Gen.Byte.Array[width * height * channels]
        from a in Gen.Int[-9, 9]
        from b in Gen.Int[-9, 9]
        select new Image8(width, height, channels, kind switch
        {
            0 => noise,
            // a ramp: Sub, Up, Average and Paeth filters each win somewhere
            1 => noise.Select((n, i) =>
                (byte)(a * (i / channels % width) + b * (i / channels / width) + 40 * (i % channels) + (n & 3))).ToArray(),
            _ => noise.Select(n => n < 16 ? n : (byte)200).ToArray(),
        });

    private static readonly Gen<string> Keywords =
        Gen.Frequency((4, Gen.Char[(char)0x21, (char)0x7E]), (1, Gen.Char[(char)0xA1, (char)0xFF])).Array[1, 8].Select(c => new string(c))
            .Array[1, 3].Select(words => string.Join(' ', words))
            .Where(k => k.Length <= 79);

    private static readonly Gen<string> Values =
        Gen.OneOf(Gen.Char['a', 'z'].Select(c => c.ToString()), Gen.OneOf(Gen.Const(" "), Gen.Const("\n"), Gen.Const("\t"), Gen.Const("é"),
            Gen.Const("ÿ"), Gen.Const("\u0001"), Gen.Const("Ж"), Gen.Const("漢"), Gen.Const("😀")))
            .Array[0, 16].Select(parts => string.Concat(parts));

    private static readonly Gen<Case> Cases =
        Gen.Select(Images, Gen.Dictionary(Keywords, Values)[0, 3], Gen.Enum<CompressionLevel>(),
            Gen.Frequency((1, Gen.Int[1, 64]), (1, Gen.Const(PngEncoder.DefaultMaxIdatLength))),
            (image, text, compression, maxIdat) => new Case(image, text, compression, maxIdat));

    /// <summary>
    /// decode(encode(image, text)) gives the same size, channels and every pixel back, the file holds every text entry
    /// (<see cref="PngTestKit.TextOf"/>), and encoding is deterministic. A filter whose encoder and decoder disagree
    /// (Paeth's tie order, Average's rounding, the left neighbour taken one byte instead of one pixel back), IDAT pieces
    /// joined in the wrong order, or a text value written as Latin-1 when it is not changes a pixel or a value.
    /// </summary>
    [Fact]
    public void DecodingTheEncodedImageGivesItBack() =>
        Cases.Sample(c =>
        {
            byte[] png = PngEncoder.Encode(c.Image, c.Text, c.Compression, c.MaxIdatLength);
            var image = PngDecoder.Read(png);
            Assert.Equal((c.Image.Width, c.Image.Height, c.Image.Channels), (image.Width, image.Height, image.Channels));
            Assert.Equal(c.Image.Pixels, image.Pixels);
            Assert.Equal(c.Text.OrderBy(p => p.Key, StringComparer.Ordinal),
                PngTestKit.TextOf(png).OrderBy(p => p.Key, StringComparer.Ordinal));
            Assert.Equal(png, PngEncoder.Encode(c.Image, c.Text, c.Compression, c.MaxIdatLength));
        }, iter: 200, print: c => c.ToString());
}
