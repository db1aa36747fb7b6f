using Arbor.Imaging;

namespace Arbor.Tests.Imaging;

public class ImageConvertTests
{
    [Fact]
    public void FromChw_MinusOneToOne_ClampsAndRounds()
    {
        float[] chw = [-1f, 1f, 0f, 0.5f, -0.5f, -2f, 2f, float.NaN];
        var image = ImageConvert.FromChwFloats(chw, 1, 2, 4, ImageConvert.MinusOneToOne);
        // 0 -> 127.5 -> 128; 0.5 -> 191.25 -> 191; -0.5 -> 63.75 -> 64; out of range clamps; NaN -> 0.
        Assert.Equal([0, 255, 128, 191, 64, 0, 255, 0], image.Pixels);
    }

    [Fact]
    public void FromChw_ZeroToOne()
    {
        float[] chw = [0f, 1f, 0.5f, 0.1f];
        var image = ImageConvert.FromChwFloats(chw, 1, 1, 4, ImageConvert.ZeroToOne);
        Assert.Equal([0, 255, 128, 26], image.Pixels); // 127.5 -> 128, 25.5 -> 26
    }

    [Fact]
    public void FromChw_PlanarToInterleaved()
    {
        // C=3, H=2, W=2, values chosen so that byte = channel*100 + y*10 + x in [0, 255] range.
        var chw = new float[12];
        for (int c = 0; c < 3; c++)
        {
            for (int y = 0; y < 2; y++)
            {
                for (int x = 0; x < 2; x++)
                {
                    chw[(((c * 2) + y) * 2) + x] = ((c * 100) + (y * 10) + x) / 255f;
                }
            }
        }

        var image = ImageConvert.FromChwFloats(chw, 3, 2, 2, (0f, 1f));
        Assert.Equal([0, 100, 200, 1, 101, 201, 10, 110, 210, 11, 111, 211], image.Pixels);
        Assert.Equal((2, 2, 3), (image.Width, image.Height, image.Channels));
    }

    [Fact]
    public void ToChw_IsInverse_ForEveryByte()
    {
        byte[] all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        var image = new Image8(16, 4, 4, all);
        foreach (var range in new (float Lo, float Hi)[] { ImageConvert.MinusOneToOne, ImageConvert.ZeroToOne, (-3f, 7f) })
        {
            float[] chw = ImageConvert.ToChwFloats(image, range);
            Assert.Equal(range.Lo, chw[0]); // pixel 0 channel 0 is byte 0
            Assert.Equal(image.Pixels, ImageConvert.FromChwFloats(chw, 4, 4, 16, range).Pixels);
        }
    }

    [Fact]
    public void ToChw_KnownValues()
    {
        var image = new Image8(2, 1, 2, [0, 255, 51, 102]);
        float[] chw = ImageConvert.ToChwFloats(image, ImageConvert.MinusOneToOne);
        // Planar: channel 0 = [0, 51], channel 1 = [255, 102].
        Assert.Equal(-1f, chw[0], 6);
        Assert.Equal(-0.6f, chw[1], 6);
        Assert.Equal(1f, chw[2], 6);
        Assert.Equal(-0.2f, chw[3], 6);
    }

    [Fact]
    public void FromNchw_SplitsBatch()
    {
        float[] nchw = [0f, 1f, 1f, 0f];
        var images = ImageConvert.FromNchwFloats(nchw, 2, 1, 1, 2, ImageConvert.ZeroToOne);
        Assert.Equal(2, images.Length);
        Assert.Equal([0, 255], images[0].Pixels);
        Assert.Equal([255, 0], images[1].Pixels);
    }

    [Fact]
    public void InvalidArguments()
    {
        Assert.Throws<ArgumentException>(() => ImageConvert.FromChwFloats(new float[5], 1, 2, 2, (0f, 1f)));
        Assert.Throws<ArgumentException>(() => ImageConvert.FromChwFloats(new float[4], 1, 2, 2, (1f, 1f)));
        Assert.Throws<ArgumentException>(() => ImageConvert.FromChwFloats(new float[4], 1, 2, 2, (0f, float.NaN)));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageConvert.FromChwFloats(new float[20], 5, 2, 2, (0f, 1f)));
        Assert.Throws<ArgumentException>(() => ImageConvert.ToChwFloats(new Image8(2, 2, 1), (0f, 1f), new float[3]));
    }
}

public class Image8Tests
{
    [Fact]
    public void Layout_IsRowMajorInterleaved()
    {
        var image = new Image8(3, 2, 3);
        image.Set(2, 1, 1, 77);
        Assert.Equal(77, image.Pixels[(((1 * 3) + 2) * 3) + 1]);
        Assert.Equal(77, image.Get(2, 1, 1));
        image.SetPixel(0, 1, 1, 2, 3);
        Assert.Equal([1, 2, 3], image.Row(1)[..3].ToArray());
        Assert.Equal(9, image.RowStride);
    }

    [Fact]
    public void InvalidArguments()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Image8(0, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Image8(1, 1, 5));
        Assert.Throws<ArgumentException>(() => new Image8(2, 2, 1, new byte[3]));
        var image = new Image8(2, 2, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => image.Get(2, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => image.Get(0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => image.Get(0, 0, 1));
        Assert.Throws<ArgumentException>(() => image.SetPixel(0, 0, 1, 2));
    }

    [Fact]
    public void Clone_IsDeep()
    {
        var image = new Image8(1, 1, 1, [5]);
        var copy = image.Clone();
        copy.Set(0, 0, 0, 6);
        Assert.Equal(5, image.Get(0, 0));
    }
}
