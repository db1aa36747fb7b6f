using Arbor.Imaging;

namespace Arbor.Tests.Imaging;

public class ImageGridTests
{
    private static Image8 Tile(byte baseValue, int channels = 1)
    {
        var tile = new Image8(2, 2, channels);
        for (int y = 0; y < 2; y++)
        {
            for (int x = 0; x < 2; x++)
            {
                for (int c = 0; c < channels; c++)
                {
                    tile.Set(x, y, c, (byte)(baseValue + (y * 2) + x + (c * 100)));
                }
            }
        }

        return tile;
    }

    [Fact]
    public void ThreeTiles_TwoColumns_PaddingOne_ExactLayout()
    {
        var grid = ImageGrid.Compose([Tile(10), Tile(20), Tile(30)], columns: 2, padding: 1);

        Assert.Equal(7, grid.Width);  // 2 * (2 + 1) + 1
        Assert.Equal(7, grid.Height); // 2 * (2 + 1) + 1
        Assert.Equal(1, grid.Channels);
        const byte b = 255;
        byte[] expected =
        [
            b, b, b, b, b, b, b,
            b, 10, 11, b, 20, 21, b,
            b, 12, 13, b, 22, 23, b,
            b, b, b, b, b, b, b,
            b, 30, 31, b, b, b, b,
            b, 32, 33, b, b, b, b,
            b, b, b, b, b, b, b,
        ];
        Assert.Equal(expected, grid.Pixels);
    }

    [Fact]
    public void RgbTiles_KeepChannelsInterleaved_AndUseBackground()
    {
        var grid = ImageGrid.Compose([Tile(1, 3), Tile(5, 3)], columns: 1, padding: 2, background: 9);

        Assert.Equal((6, 10, 3), (grid.Width, grid.Height, grid.Channels)); // 1*(2+2)+2, 2*(2+2)+2
        Assert.Equal([1, 101, 201], grid.Pixel(2, 2).ToArray());
        Assert.Equal([4, 104, 204], grid.Pixel(3, 3).ToArray());
        Assert.Equal([5, 105, 205], grid.Pixel(2, 6).ToArray());
        Assert.Equal([8, 108, 208], grid.Pixel(3, 7).ToArray());
        Assert.Equal([9, 9, 9], grid.Pixel(2, 4).ToArray());
        Assert.Equal([9, 9, 9], grid.Pixel(0, 0).ToArray());
        Assert.Equal([9, 9, 9], grid.Pixel(5, 9).ToArray());
        Assert.Equal(8 * 3, grid.Pixels.Count(b => b != 9)); // 8 tile pixels, 3 channels each
    }

    [Fact]
    public void MoreColumnsThanTiles_UsesTileCount_AndZeroPaddingPacksTightly()
    {
        var grid = ImageGrid.Compose([Tile(10), Tile(20)], columns: 5, padding: 0);
        Assert.Equal((4, 2), (grid.Width, grid.Height));
        Assert.Equal([10, 11, 20, 21, 12, 13, 22, 23], grid.Pixels);
    }

    [Fact]
    public void MismatchedTile_NamesIndex()
    {
        var size = Assert.Throws<ArgumentException>(
            () => ImageGrid.Compose([Tile(1), Tile(2), new Image8(3, 2, 1)], columns: 2));
        Assert.Contains("index 2", size.Message);

        var channels = Assert.Throws<ArgumentException>(
            () => ImageGrid.Compose([Tile(1), Tile(2, 3)], columns: 2));
        Assert.Contains("index 1", channels.Message);
    }

    [Fact]
    public void InvalidArguments()
    {
        Assert.Throws<ArgumentException>(() => ImageGrid.Compose([], columns: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Compose([Tile(1)], columns: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Compose([Tile(1)], columns: 1, padding: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => ImageGrid.Upscale(Tile(1), 0));
    }

    [Fact]
    public void Upscale_NearestNeighbour()
    {
        var image = new Image8(2, 1, 2, [1, 2, 3, 4]);
        var big = ImageGrid.Upscale(image, 3);
        Assert.Equal((6, 3, 2), (big.Width, big.Height, big.Channels));
        byte[] row = [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4];
        Assert.Equal([.. row, .. row, .. row], big.Pixels);
        Assert.Equal(image.Pixels, ImageGrid.Upscale(image, 1).Pixels);
    }

    [Fact]
    public void Grid_RoundTripsThroughPng()
    {
        var tiles = Enumerable.Range(0, 5).Select(i => new Image8(4, 3, 3, PngTestKit.RandomBytes(36, seed: i))).ToArray();
        var grid = ImageGrid.Upscale(ImageGrid.Compose(tiles, columns: 3), 2);
        Assert.Equal(grid.Pixels, PngDecoder.Read(PngEncoder.Encode(grid)).Pixels);
    }
}
