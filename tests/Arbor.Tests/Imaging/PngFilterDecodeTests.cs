using Arbor.Imaging;

namespace Arbor.Tests.Imaging;

/// <summary>
/// PNGs built by hand, with scanlines filtered by the test's own reference routine, prove that the decoder undoes
/// every filter type for every supported colour type.
/// </summary>
public class PngFilterDecodeTests
{
    private static (byte ColorType, int Channels)[] ColorTypes => [(0, 1), (4, 2), (2, 3), (6, 4)];

    /// <summary>Scanlines for <paramref name="pixels"/> where row y uses <paramref name="filterForRow"/>(y).</summary>
    private static byte[] Scanlines(byte[] pixels, int width, int height, int channels, Func<int, int> filterForRow)
    {
        int stride = width * channels;
        using var ms = new MemoryStream();
        for (int y = 0; y < height; y++)
        {
            byte[] row = pixels.AsSpan(y * stride, stride).ToArray();
            byte[]? prior = y > 0 ? pixels.AsSpan((y - 1) * stride, stride).ToArray() : null;
            int filter = filterForRow(y);
            ms.WriteByte((byte)filter);
            ms.Write(PngTestKit.FilterRow(filter, row, prior, channels));
        }

        return ms.ToArray();
    }

    public static TheoryData<int> FilterTypes() => [0, 1, 2, 3, 4];

    [Theory]
    [MemberData(nameof(FilterTypes))]
    public void EveryRowSameFilter_DecodesExactly(int filter)
    {
        const int width = 11;
        const int height = 6;
        foreach ((byte colorType, int channels) in ColorTypes)
        {
            byte[] pixels = PngTestKit.RandomBytes(width * height * channels, seed: (filter * 10) + channels);
            byte[] scanlines = Scanlines(pixels, width, height, channels, _ => filter);
            if (filter != 0)
            {
                // The filtered bytes must differ from the pixels, or the test would not exercise the filter.
                Assert.NotEqual(pixels, scanlines.Where((_, i) => i % ((width * channels) + 1) != 0).ToArray());
            }

            byte[] png = PngTestKit.BuildPng(PngTestKit.Ihdr(width, height, 8, colorType), scanlines);
            var image = PngDecoder.Read(png);

            Assert.Equal((width, height, channels), (image.Width, image.Height, image.Channels));
            Assert.Equal(pixels, image.Pixels);
        }
    }

    [Fact]
    public void MixedFiltersPerRow_ExtremeValues_SplitIdats_DecodeExactly()
    {
        const int width = 9;
        const int height = 15;
        foreach ((byte colorType, int channels) in ColorTypes)
        {
            // Mix random bytes with runs of 0 and 255 so Average and Paeth see sums above 255 and wrap-around.
            byte[] pixels = PngTestKit.RandomBytes(width * height * channels, seed: 100 + channels);
            for (int i = 0; i < pixels.Length; i++)
            {
                if (i % 7 == 0) pixels[i] = 255;
                if (i % 11 == 0) pixels[i] = 0;
                if (i % 13 == 0) pixels[i] = 254;
            }

            byte[] scanlines = Scanlines(pixels, width, height, channels, y => (y * 3 + 1) % 5);
            byte[] png = PngTestKit.BuildPng(
                PngTestKit.Ihdr(width, height, 8, colorType), scanlines, idatSplit: 7, emptyIdatFirst: true);
            Assert.True(PngTestKit.ParseChunks(png).Count(c => c.Type == "IDAT") > 3);

            Assert.Equal(pixels, PngDecoder.Read(png).Pixels);
        }
    }

    [Fact]
    public void FilterOnFirstRow_TreatsPriorAsZero()
    {
        // One-row images: Up degenerates to None, Average to half the left byte, Paeth to Sub.
        byte[] pixels = [200, 10, 250, 3, 128, 129];
        for (int filter = 0; filter < 5; filter++)
        {
            byte[] scanlines = [(byte)filter, .. PngTestKit.FilterRow(filter, pixels, null, 3)];
            byte[] png = PngTestKit.BuildPng(PngTestKit.Ihdr(2, 1, 8, 2), scanlines);
            Assert.Equal(pixels, PngDecoder.Read(png).Pixels);
        }
    }

    [Fact]
    public void KnownAverageAndPaethBytes_DecodeToHandComputedPixels()
    {
        // Gray 3x2. Row 0 filter None: 10 20 30. Row 1 filter Average then Paeth, computed by hand:
        //   Average, pixels 100 110 120: 100-(0+10)/2=95, 110-(100+20)/2=50, 120-(110+30)/2=50.
        //   Paeth,   pixels 100 110 120: x0: a=0,b=10,c=0 -> p=10 -> b=10 -> 90;
        //            x1: a=100,b=20,c=10 -> p=110, pa=10, pb=90, pc=100 -> a=100 -> 10;
        //            x2: a=110,b=30,c=20 -> p=120, pa=10, pb=90, pc=100 -> a=110 -> 10.
        byte[] ihdr = PngTestKit.Ihdr(3, 2, 8, 0);
        byte[] expected = [10, 20, 30, 100, 110, 120];
        Assert.Equal(expected, PngDecoder.Read(PngTestKit.BuildPng(ihdr, [0, 10, 20, 30, 3, 95, 50, 50])).Pixels);
        Assert.Equal(expected, PngDecoder.Read(PngTestKit.BuildPng(ihdr, [0, 10, 20, 30, 4, 90, 10, 10])).Pixels);
    }

    [Fact]
    public void PaethTieBetweenUpAndUpperLeft_PrefersUp()
    {
        // Gray 2x2, rows [50 70] and [40 100]. Row 1 Paeth at x=1: a=40, b=70, c=50 -> p=60, pa=20, pb=10, pc=10:
        // the pb == pc tie must pick b (70), giving 100-70 = 30. At x=0: a=0, b=50, c=0 -> b -> 40-50 = 246.
        byte[] png = PngTestKit.BuildPng(PngTestKit.Ihdr(2, 2, 8, 0), [0, 50, 70, 4, 246, 30]);
        Assert.Equal([50, 70, 40, 100], PngDecoder.Read(png).Pixels);
    }

    [Fact]
    public void EncoderFilterRow_MatchesReferenceForAllTypesAndBpp()
    {
        for (int bpp = 1; bpp <= 4; bpp++)
        {
            byte[] prior = PngTestKit.RandomBytes(bpp * 40, seed: bpp);
            byte[] row = PngTestKit.RandomBytes(bpp * 40, seed: 10 + bpp);
            // Include the Paeth pb == pc tie (a=40, b=70, c=50) and saturated values.
            prior[0] = 50; prior[bpp] = 70; row[0] = 40; row[bpp] = 100;
            prior[2 * bpp] = 255; row[2 * bpp] = 255; prior[3 * bpp] = 255; row[3 * bpp] = 0;
            for (int filter = 0; filter < 5; filter++)
            {
                var actual = new byte[row.Length];
                PngEncoder.FilterRow((byte)filter, row, prior, bpp, actual);
                Assert.Equal(PngTestKit.FilterRow(filter, row, prior, bpp), actual);
                PngEncoder.FilterRow((byte)filter, row, new byte[row.Length], bpp, actual);
                Assert.Equal(PngTestKit.FilterRow(filter, row, null, bpp), actual);
            }
        }
    }
}
