namespace Arbor.Imaging;

/// <summary>Tiles images into one grid image, and enlarges small images for viewing.</summary>
public static class ImageGrid
{
    /// <summary>
    /// Places <paramref name="tiles"/> in row-major order on a grid with <c>min(columns, tiles.Count)</c> columns and
    /// <c>ceil(tiles.Count / columns)</c> rows, with <paramref name="padding"/> pixels of <paramref name="background"/>
    /// between tiles and around the border (torchvision's make_grid layout): a tile of size w x h gives a grid of width
    /// <c>cols * (w + padding) + padding</c> and height <c>rows * (h + padding) + padding</c>. Unused cells of the last
    /// row are background. Every channel of the background (alpha included) is <paramref name="background"/>.
    /// </summary>
    /// <exception cref="ArgumentException">No tiles, or a tile whose size or channel count differs from tile 0.</exception>
    public static Image8 Compose(IReadOnlyList<Image8> tiles, int columns, int padding = 2, byte background = 255)
    {
        ArgumentNullException.ThrowIfNull(tiles);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        if (tiles.Count == 0)
        {
            throw new ArgumentException("At least one tile is needed for a grid.", nameof(tiles));
        }

        var first = tiles[0] ?? throw new ArgumentException("Tile at index 0 is null.", nameof(tiles));
        int tileWidth = first.Width;
        int tileHeight = first.Height;
        int channels = first.Channels;
        for (int i = 1; i < tiles.Count; i++)
        {
            var tile = tiles[i] ?? throw new ArgumentException($"Tile at index {i} is null.", nameof(tiles));
            if (tile.Width != tileWidth || tile.Height != tileHeight || tile.Channels != channels)
            {
                throw new ArgumentException(
                    $"Tile at index {i} is {tile.Width}x{tile.Height}x{tile.Channels}, but tile 0 is " +
                    $"{tileWidth}x{tileHeight}x{channels}; all tiles must have the same size and channels.",
                    nameof(tiles));
            }
        }

        int cols = Math.Min(columns, tiles.Count);
        int rows = (tiles.Count + cols - 1) / cols;
        long width = ((long)cols * (tileWidth + padding)) + padding;
        long height = ((long)rows * (tileHeight + padding)) + padding;
        if (width > int.MaxValue || height > int.MaxValue)
        {
            throw new ArgumentException($"A {cols}x{rows} grid of {tileWidth}x{tileHeight} tiles is too large.", nameof(tiles));
        }

        var grid = new Image8((int)width, (int)height, channels);
        grid.Fill(background);
        int tileStride = first.RowStride;
        for (int i = 0; i < tiles.Count; i++)
        {
            int left = padding + ((i % cols) * (tileWidth + padding));
            int top = padding + ((i / cols) * (tileHeight + padding));
            byte[] source = tiles[i].Pixels;
            for (int y = 0; y < tileHeight; y++)
            {
                source.AsSpan(y * tileStride, tileStride)
                    .CopyTo(grid.Pixels.AsSpan(grid.IndexOf(left, top + y), tileStride));
            }
        }

        return grid;
    }

    /// <summary>Nearest-neighbour enlargement: every pixel becomes a <paramref name="factor"/> x <paramref name="factor"/> block.</summary>
    public static Image8 Upscale(Image8 image, int factor)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1);
        long width = (long)image.Width * factor;
        long height = (long)image.Height * factor;
        if (width > int.MaxValue || height > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(factor), factor, $"Upscaling {image} by {factor} is too large.");
        }

        int channels = image.Channels;
        var result = new Image8((int)width, (int)height, channels);
        int outStride = result.RowStride;
        for (int y = 0; y < image.Height; y++)
        {
            var first = result.Pixels.AsSpan(y * factor * outStride, outStride);
            for (int x = 0; x < image.Width; x++)
            {
                ReadOnlySpan<byte> pixel = image.Pixels.AsSpan(((y * image.Width) + x) * channels, channels);
                for (int k = 0; k < factor; k++)
                {
                    pixel.CopyTo(first.Slice(((x * factor) + k) * channels, channels));
                }
            }

            for (int k = 1; k < factor; k++)
            {
                first.CopyTo(result.Pixels.AsSpan(((y * factor) + k) * outStride, outStride));
            }
        }

        return result;
    }
}
