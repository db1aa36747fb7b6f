using System.IO.Compression;
using Arbor.Imaging;

namespace Arbor.Tests.Rewards;

/// <summary>Hand-built PNG files, for what Arbor's encoder never writes: palette, 16-bit, Adam7, bombs.</summary>
internal static class PngBytes
{
    /// <summary>A PNG of raw (filtered, here filter 0) scanline data, with optional PLTE and tRNS.</summary>
    public static byte[] Build(int width, int height, byte bitDepth, byte colorType, byte[] scanlines,
        bool interlaced = false, byte[]? palette = null, byte[]? transparency = null)
    {
        using var png = new MemoryStream();
        png.Write(PngFormat.Signature);
        var ihdr = new byte[13];
        PngFormat.WriteUInt32BigEndian(ihdr.AsSpan(0, 4), (uint)width);
        PngFormat.WriteUInt32BigEndian(ihdr.AsSpan(4, 4), (uint)height);
        ihdr[8] = bitDepth;
        ihdr[9] = colorType;
        ihdr[12] = interlaced ? (byte)1 : (byte)0;
        PngEncoder.WriteChunk(png, "IHDR"u8, ihdr);
        if (palette is not null) PngEncoder.WriteChunk(png, "PLTE"u8, palette);
        if (transparency is not null) PngEncoder.WriteChunk(png, "tRNS"u8, transparency);
        PngEncoder.WriteChunk(png, "IDAT"u8, Deflate(scanlines));
        PngEncoder.WriteChunk(png, "IEND"u8, []);
        return png.ToArray();
    }

    /// <summary>Rows, each behind filter byte 0 (none).</summary>
    public static byte[] Rows(params byte[][] rows) => rows.SelectMany(r => new byte[] { 0 }.Concat(r)).ToArray();

    /// <summary>Adam7 scanlines of a byte-aligned image: the seven passes in order, each row behind filter 0.</summary>
    public static byte[] Adam7(int width, int height, Func<int, int, byte[]> pixel)
    {
        (int X0, int Y0, int Dx, int Dy)[] passes =
            [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)];
        var data = new List<byte>();
        foreach (var (x0, y0, dx, dy) in passes)
        {
            if (x0 >= width || y0 >= height) continue;   // an empty pass has no rows at all
            for (int y = y0; y < height; y += dy)
            {
                data.Add(0);
                for (int x = x0; x < width; x += dx) data.AddRange(pixel(x, y));
            }
        }

        return data.ToArray();
    }

    /// <summary>
    /// A decompression bomb's disguise: a header claiming <paramref name="width"/> x <paramref name="height"/> RGB
    /// with a few bytes of pixel data (a real bomb would deflate gigabytes of zeros into kilobytes).
    /// </summary>
    public static byte[] Bomb(int width, int height) => Build(width, height, 8, 2, new byte[64]);

    private static byte[] Deflate(byte[] data)
    {
        using var output = new MemoryStream();
        using (var z = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true)) z.Write(data);
        return output.ToArray();
    }
}
