using System.IO.Compression;
using System.Text;

namespace Arbor.Tests.Imaging;

/// <summary>
/// Independent PNG plumbing for the tests: a bit-by-bit CRC-32 (no table, not the library's), a chunk builder, a
/// chunk parser and a reference scanline filter written straight from the PNG specification.
/// </summary>
internal static class PngTestKit
{
    public static readonly byte[] Signature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>CRC-32 (poly 0xEDB88320 reflected) computed one bit at a time.</summary>
    public static uint BitwiseCrc32(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
            }
        }

        return crc ^ 0xFFFFFFFF;
    }

    public static void WriteChunk(Stream output, string type, ReadOnlySpan<byte> data)
    {
        byte[] typeBytes = Encoding.ASCII.GetBytes(type);
        WriteBigEndian(output, (uint)data.Length);
        output.Write(typeBytes);
        output.Write(data);
        byte[] crcInput = [.. typeBytes, .. data];
        WriteBigEndian(output, BitwiseCrc32(crcInput));
    }

    public static byte[] Ihdr(int width, int height, byte bitDepth, byte colorType, byte interlace = 0)
    {
        var ihdr = new byte[13];
        PutBigEndian(ihdr, 0, (uint)width);
        PutBigEndian(ihdr, 4, (uint)height);
        ihdr[8] = bitDepth;
        ihdr[9] = colorType;
        ihdr[12] = interlace;
        return ihdr;
    }

    /// <summary>A PNG file from an IHDR and raw (already filtered) scanline
    /// bytes, with IDAT split every <paramref name="idatSplit"/> bytes.</summary>
    public static byte[] BuildPng(byte[] ihdr, byte[] scanlines, int idatSplit = int.MaxValue, bool emptyIdatFirst = false)
    {
        return BuildPngFromZlib(ihdr, Zlib(scanlines), idatSplit, emptyIdatFirst);
    }

    public static byte[] BuildPngFromZlib(byte[] ihdr, byte[] zlib, int idatSplit = int.MaxValue, bool emptyIdatFirst = false)
    {
        using var ms = new MemoryStream();
        ms.Write(Signature);
        WriteChunk(ms, "IHDR", ihdr);
        if (emptyIdatFirst)
        {
            WriteChunk(ms, "IDAT", []);
        }

        for (int offset = 0; offset < zlib.Length; offset += idatSplit)
        {
            WriteChunk(ms, "IDAT", zlib.AsSpan(offset, Math.Min(idatSplit, zlib.Length - offset)));
        }

        WriteChunk(ms, "IEND", []);
        return ms.ToArray();
    }

    public static byte[] Zlib(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var z = new ZLibStream(ms, CompressionLevel.Optimal, leaveOpen: true))
        {
            z.Write(data);
        }

        return ms.ToArray();
    }

    public static byte[] Inflate(byte[] zlib)
    {
        using var input = new MemoryStream(zlib);
        using var z = new ZLibStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        z.CopyTo(output);
        return output.ToArray();
    }

    public sealed record Chunk(long Offset, string Type, byte[] Data, uint StoredCrc);

    /// <summary>Splits a PNG file into its chunks (after the signature), without checking anything.</summary>
    public static List<Chunk> ParseChunks(byte[] png)
    {
        var chunks = new List<Chunk>();
        int pos = 8;
        while (pos < png.Length)
        {
            int length = (int)GetBigEndian(png, pos);
            string type = Encoding.ASCII.GetString(png, pos + 4, 4);
            byte[] data = png.AsSpan(pos + 8, length).ToArray();
            uint crc = GetBigEndian(png, pos + 8 + length);
            chunks.Add(new Chunk(pos, type, data, crc));
            pos += 12 + length;
        }

        return chunks;
    }

    /// <summary>
    /// The text entries of a PNG as <see cref="Arbor.Imaging.PngEncoder"/> writes them (Arbor reads no text back; this checks the
    /// writer): tEXt is Latin-1 "keyword NUL value", iTXt uncompressed "keyword NUL 0 0 NUL NUL" and UTF-8.
    /// </summary>
    public static Dictionary<string, string> TextOf(byte[] png)
    {
        var latin1 = Encoding.Latin1;
        var text = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var chunk in ParseChunks(png).Where(c => c.Type is "tEXt" or "iTXt"))
        {
            int nul = Array.IndexOf(chunk.Data, (byte)0);
            string keyword = latin1.GetString(chunk.Data, 0, nul);
            text[keyword] = chunk.Type == "tEXt"
                ? latin1.GetString(chunk.Data, nul + 1, chunk.Data.Length - nul - 1)
                : Encoding.UTF8.GetString(chunk.Data, nul + 5, chunk.Data.Length - nul - 5);
        }

        return text;
    }

    /// <summary>All IDAT payloads concatenated.</summary>
    public static byte[] IdatStream(byte[] png) =>
        ParseChunks(png).Where(c => c.Type == "IDAT").SelectMany(c => c.Data).ToArray();

    /// <summary>Reference filter, transcribed from PNG spec section 9.2 (x = raw byte, a = left, b = up, c = up-left).</summary>
    public static byte[] FilterRow(int filter, byte[] raw, byte[]? prior, int bpp)
    {
        var output = new byte[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            int x = raw[i];
            int a = i >= bpp ? raw[i - bpp] : 0;
            int b = prior is null ? 0 : prior[i];
            int c = prior is not null && i >= bpp ? prior[i - bpp] : 0;
            int predicted = filter switch
            {
                0 => 0,
                1 => a,
                2 => b,
                3 => (int)Math.Floor((a + b) / 2.0),
                4 => ReferencePaeth(a, b, c),
                _ => throw new ArgumentOutOfRangeException(nameof(filter)),
            };
            output[i] = (byte)((x - predicted) & 0xFF);
        }

        return output;
    }

    private static int ReferencePaeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a);
        int pb = Math.Abs(p - b);
        int pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc)
        {
            return a;
        }

        if (pb <= pc)
        {
            return b;
        }

        return c;
    }

    public static uint GetBigEndian(byte[] data, int offset) =>
        ((uint)data[offset] << 24) | ((uint)data[offset + 1] << 16) | ((uint)data[offset + 2] << 8) | data[offset + 3];

    private static void PutBigEndian(byte[] data, int offset, uint value)
    {
        data[offset] = (byte)(value >> 24);
        data[offset + 1] = (byte)(value >> 16);
        data[offset + 2] = (byte)(value >> 8);
        data[offset + 3] = (byte)value;
    }

    private static void WriteBigEndian(Stream output, uint value)
    {
        Span<byte> word = [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
        output.Write(word);
    }

    public static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
