using System.IO.Compression;
using Arbor.Imaging;
using Arbor.TestKit;

namespace Arbor.Tests.Imaging;

public class PngRoundTripTests
{
    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int channels in new[] { 1, 2, 3, 4 })
        {
            data.Add(1, 1, channels);
            data.Add(7, 3, channels);
            data.Add(33, 17, channels);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void RandomContent_RoundTripsExactly(int width, int height, int channels)
    {
        byte[] pixels = PngTestKit.RandomBytes(width * height * channels, seed: (width * 100) + (height * 10) + channels);
        var image = new Image8(width, height, channels, (byte[])pixels.Clone());

        byte[] png = PngEncoder.Encode(image);
        var decoded = PngDecoder.Read(png);

        Assert.Equal(width, decoded.Width);
        Assert.Equal(height, decoded.Height);
        Assert.Equal(channels, decoded.Channels);
        Assert.Equal(pixels, decoded.Pixels);
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void SmoothContent_RoundTripsExactly_WithManySmallIdats(int width, int height, int channels)
    {
        // Smooth content makes the encoder pick Sub/Up/Average/Paeth rather than None.
        var image = new Image8(width, height, channels);
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                for (int c = 0; c < channels; c++)
                {
                    image.Set(x, y, c, (byte)((x * 7) + (y * 3) + (c * 50) + ((x * y) % 5)));
                }
            }
        }

        byte[] png = PngEncoder.Encode(image, maxIdatLength: 5);
        Assert.True(PngTestKit.ParseChunks(png).Count(c => c.Type == "IDAT") >= 2);
        Assert.Equal(image.Pixels, PngDecoder.Read(png).Pixels);
    }

    [Fact]
    public void ColorTypeFollowsChannels()
    {
        byte[] expected = [0, 4, 2, 6];
        for (int channels = 1; channels <= 4; channels++)
        {
            byte[] png = PngEncoder.Encode(new Image8(2, 2, channels));
            byte[] ihdr = PngTestKit.ParseChunks(png)[0].Data;
            Assert.Equal(8, ihdr[8]);
            Assert.Equal(expected[channels - 1], ihdr[9]);
            Assert.Equal(0, ihdr[12]);
        }
    }

    [Fact]
    public void FileAndStreamOverloads_RoundTrip()
    {
        var image = new Image8(5, 4, 3, PngTestKit.RandomBytes(60, seed: 7));
        using (var temp = new TempDirectory("arbor-png-"))
        {
            string path = temp.File("image.png");
            PngEncoder.Write(path, image);
            Assert.Equal(image.Pixels, PngDecoder.Read(path).Pixels);
            Assert.Equal(PngEncoder.Encode(image), File.ReadAllBytes(path));
        }

        using var stream = new MemoryStream();
        stream.WriteByte(0xAB); // the writer appends at the current position
        PngEncoder.Write(stream, image);
        stream.Position = 1;
        Assert.Equal(image.Pixels, PngDecoder.Read(stream).Pixels);
        Assert.Equal(stream.Length, stream.Position);
    }

    [Fact]
    public void Output_IsDeterministic()
    {
        var image = new Image8(33, 17, 4, PngTestKit.RandomBytes(33 * 17 * 4, seed: 3));
        var text = new Dictionary<string, string> { ["prompt"] = "a cat", ["seed"] = "42" };
        Assert.Equal(PngEncoder.Encode(image, text), PngEncoder.Encode(image.Clone(), text));
    }

    [Fact]
    public void Structure_IsSignatureIhdrTextIdatIend()
    {
        var text = new Dictionary<string, string> { ["seed"] = "1", ["prompt"] = "x" };
        byte[] png = PngEncoder.Encode(new Image8(3, 2, 3), text);
        Assert.Equal(PngTestKit.Signature, png[..8]);
        var chunks = PngTestKit.ParseChunks(png);
        Assert.Equal(["IHDR", "tEXt", "tEXt", "IDAT", "IEND"], chunks.Select(c => c.Type).ToArray());
        Assert.Equal("prompt\0x"u8.ToArray(), chunks[1].Data); // sorted by keyword
        Assert.Equal("seed\01"u8.ToArray(), chunks[2].Data);
        Assert.Empty(chunks[4].Data);
        Assert.Equal(0xAE426082u, chunks[4].StoredCrc); // the well-known CRC of an empty IEND
    }

    [Fact]
    public void EncoderPicksMinimumSumFilters()
    {
        // Every row is the gray ramp 0, 3, 6, ...: row 0 is best as Sub (Paeth ties and loses to the lower type),
        // later rows are all zeros under Up (Paeth ties again).
        const int width = 20;
        var image = new Image8(width, 4, 1);
        for (int y = 0; y < 4; y++)
        {
            for (int x = 0; x < width; x++)
            {
                image.Set(x, y, 0, (byte)(x * 3));
            }
        }

        byte[] raw = PngTestKit.Inflate(PngTestKit.IdatStream(PngEncoder.Encode(image)));
        Assert.Equal(4 * (width + 1), raw.Length);
        byte[] filters = Enumerable.Range(0, 4).Select(y => raw[y * (width + 1)]).ToArray();
        Assert.Equal([1, 2, 2, 2], filters);
        Assert.Equal(PngTestKit.FilterRow(1, image.Row(0).ToArray(), null, 1), raw[1..(width + 1)]);
        for (int y = 1; y < 4; y++)
        {
            Assert.All(raw.AsSpan((y * (width + 1)) + 1, width).ToArray(), b => Assert.Equal(0, b));
        }
    }

    [Fact]
    public void EncoderScanlines_MatchReferenceFilterForChosenType()
    {
        var image = new Image8(9, 6, 3, PngTestKit.RandomBytes(9 * 6 * 3, seed: 11));
        for (int i = 0; i < 27 * 3; i++)
        {
            image.Pixels[i] = (byte)(i / 3); // smooth top half, noisy bottom half
        }

        byte[] raw = PngTestKit.Inflate(PngTestKit.IdatStream(PngEncoder.Encode(image)));
        int stride = image.RowStride;
        for (int y = 0; y < image.Height; y++)
        {
            int filter = raw[y * (stride + 1)];
            byte[]? prior = y > 0 ? image.Row(y - 1).ToArray() : null;
            byte[] expected = PngTestKit.FilterRow(filter, image.Row(y).ToArray(), prior, 3);
            Assert.Equal(expected, raw.AsSpan((y * (stride + 1)) + 1, stride).ToArray());

            // The chosen filter has the minimum sum of absolute signed bytes, ties to the lower type.
            long Cost(int f) => PngTestKit.FilterRow(f, image.Row(y).ToArray(), prior, 3).Sum(b => (long)Math.Abs((int)(sbyte)b));
            long best = Enumerable.Range(0, 5).Min(Cost);
            Assert.Equal(Enumerable.Range(0, 5).First(f => Cost(f) == best), filter);
        }
    }

    [Fact]
    public void Text_RoundTrips_LatinAsTExt_OtherAsITxt()
    {
        var text = new Dictionary<string, string>
        {
            ["prompt"] = "a café at dawn, 35mm",
            ["negative"] = "猫 🐱 blurry",
            ["multi line"] = "line1\nline2",
        };
        byte[] png = PngEncoder.Encode(new Image8(2, 2, 3), text);
        var chunks = PngTestKit.ParseChunks(png);
        Assert.Equal(2, chunks.Count(c => c.Type == "tEXt"));
        Assert.Equal(1, chunks.Count(c => c.Type == "iTXt"));

        var written = PngTestKit.TextOf(png);
        Assert.Equal(3, written.Count);
        foreach ((string key, string value) in text)
        {
            Assert.Equal(value, written[key]);
        }
    }

    [Fact]
    public void TextChunksOfEveryKindAreSkipped()
    {
        using var ms = new MemoryStream();
        ms.Write(PngTestKit.Signature);
        PngTestKit.WriteChunk(ms, "IHDR", PngTestKit.Ihdr(1, 1, 8, 0));
        PngTestKit.WriteChunk(ms, "zTXt", [.. "Comment\0\0"u8, .. PngTestKit.Zlib("zipped words"u8.ToArray())]);
        PngTestKit.WriteChunk(ms, "iTXt", [.. "Title\0\x01\0en\0Titel\0"u8, .. PngTestKit.Zlib("Grüße"u8.ToArray())]);
        PngTestKit.WriteChunk(ms, "IDAT", PngTestKit.Zlib([0, 77]));
        PngTestKit.WriteChunk(ms, "IEND", []);

        Assert.Equal(77, PngDecoder.Read(ms.ToArray()).Get(0, 0));
    }

    [Theory]
    [InlineData("")]
    [InlineData(" lead")]
    [InlineData("trail ")]
    [InlineData("two  spaces")]
    [InlineData("tab\tkey")]
    [InlineData("ключ")]
    public void Text_InvalidKeyword_Throws(string keyword)
    {
        var text = new Dictionary<string, string> { [keyword] = "v" };
        var ex = Assert.Throws<ArgumentException>(() => PngEncoder.Encode(new Image8(1, 1, 1), text));
        Assert.Contains("keyword", ex.Message);
    }

    [Fact]
    public void Text_LongKeywordAndNulValue_Throw()
    {
        var image = new Image8(1, 1, 1);
        Assert.Throws<ArgumentException>(() => PngEncoder.Encode(image, new Dictionary<string, string> { [new string('k', 80)] = "v" }));
        PngEncoder.Encode(image, new Dictionary<string, string> { [new string('k', 79)] = "v" });
        Assert.Throws<ArgumentException>(() => PngEncoder.Encode(image, new Dictionary<string, string> { ["k"] = "a\0b" }));
    }

    [Fact]
    public void CompressionLevels_AllDecode()
    {
        var image = new Image8(16, 16, 4, PngTestKit.RandomBytes(16 * 16 * 4, seed: 5));
        foreach (var level in Enum.GetValues<CompressionLevel>())
        {
            Assert.Equal(image.Pixels, PngDecoder.Read(PngEncoder.Encode(image, compression: level)).Pixels);
        }
    }
}
