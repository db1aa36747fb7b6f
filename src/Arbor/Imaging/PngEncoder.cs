using System.IO.Compression;
using System.Text;

namespace Arbor.Imaging;

/// <summary>
/// Writes 8-bit, non-interlaced PNG files: gray (colour type 0), gray+alpha (4), RGB (2) and RGBA (6), chosen from
/// <see cref="Image8.Channels"/>. Each row gets the filter with the smallest sum of absolute (signed-byte) filtered
/// values, the usual heuristic (ties go to the lower filter type). The chunks are IHDR, then the text chunks (sorted
/// by keyword), then IDAT (split every <c>maxIdatLength</c> bytes), then IEND. The same image, text, compression
/// level and IDAT length give the same bytes.
/// </summary>
public static class PngEncoder
{
    /// <summary>Default largest IDAT payload; the zlib stream is split over as many IDAT chunks as needed.</summary>
    public const int DefaultMaxIdatLength = 1 << 16;

    /// <summary>Writes <paramref name="image"/> to a new file at <paramref name="path"/> (overwriting it).</summary>
    public static void Write(
        string path,
        Image8 image,
        IReadOnlyDictionary<string, string>? text = null,
        CompressionLevel compression = CompressionLevel.Optimal,
        int maxIdatLength = DefaultMaxIdatLength)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(image);
        byte[] png = Encode(image, text, compression, maxIdatLength);
        File.WriteAllBytes(path, png);
    }

    /// <summary>Writes <paramref name="image"/> as PNG to <paramref name="stream"/> (left open).</summary>
    /// <param name="text">
    /// Optional metadata (e.g. a prompt). Keywords must be 1-79 printable Latin-1 characters; a value that is all
    /// Latin-1 is written as tEXt, anything else as an uncompressed UTF-8 iTXt chunk. Values may not contain NUL.
    /// </param>
    public static void Write(
        Stream stream,
        Image8 image,
        IReadOnlyDictionary<string, string>? text = null,
        CompressionLevel compression = CompressionLevel.Optimal,
        int maxIdatLength = DefaultMaxIdatLength)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] png = Encode(image, text, compression, maxIdatLength);
        stream.Write(png);
    }

    /// <summary>The PNG file bytes for <paramref name="image"/>; see
    /// <see cref="Write(Stream, Image8, IReadOnlyDictionary{string, string}?, CompressionLevel, int)"/>.</summary>
    public static byte[] Encode(
        Image8 image,
        IReadOnlyDictionary<string, string>? text = null,
        CompressionLevel compression = CompressionLevel.Optimal,
        int maxIdatLength = DefaultMaxIdatLength)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxIdatLength, 1);
        var entries = ValidateText(text);

        byte[] zlib = CompressScanlines(image, compression);

        using var output = new MemoryStream(zlib.Length + 1024);
        output.Write(PngFormat.Signature);

        Span<byte> ihdr = stackalloc byte[13];
        PngFormat.WriteUInt32BigEndian(ihdr[0..4], (uint)image.Width);
        PngFormat.WriteUInt32BigEndian(ihdr[4..8], (uint)image.Height);
        ihdr[8] = 8; // bit depth
        ihdr[9] = PngFormat.ColorTypeForChannels(image.Channels);
        ihdr[10] = 0; // compression method: deflate
        ihdr[11] = 0; // filter method: adaptive, five filter types
        ihdr[12] = 0; // no interlace
        WriteChunk(output, "IHDR"u8, ihdr);

        foreach ((string keyword, string value) in entries)
        {
            WriteTextChunk(output, keyword, value);
        }

        for (int offset = 0; offset < zlib.Length; offset += maxIdatLength)
        {
            int length = Math.Min(maxIdatLength, zlib.Length - offset);
            WriteChunk(output, "IDAT"u8, zlib.AsSpan(offset, length));
        }

        WriteChunk(output, "IEND"u8, []);
        return output.ToArray();
    }

    /// <summary>Writes one chunk: big-endian length, type, data, CRC-32 of type and data.</summary>
    internal static void WriteChunk(Stream output, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        PngFormat.WriteUInt32BigEndian(word, (uint)data.Length);
        output.Write(word);
        output.Write(type);
        output.Write(data);
        PngFormat.WriteUInt32BigEndian(word, PngFormat.ChunkCrc(type, data));
        output.Write(word);
    }

    /// <summary>
    /// Filters each row and deflates the result (filter byte + filtered row, per row) into a zlib stream.
    /// </summary>
    internal static byte[] CompressScanlines(Image8 image, CompressionLevel compression)
    {
        int stride = image.RowStride;
        int bpp = image.Channels;
        byte[] zeros = new byte[stride];

        // One candidate buffer per filter type; each holds the filter byte followed by the filtered row.
        var candidates = new byte[5][];
        for (int f = 0; f < 5; f++)
        {
            candidates[f] = new byte[stride + 1];
            candidates[f][0] = (byte)f;
        }

        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, compression, leaveOpen: true))
        {
            for (int y = 0; y < image.Height; y++)
            {
                ReadOnlySpan<byte> row = image.Pixels.AsSpan(y * stride, stride);
                ReadOnlySpan<byte> prior = y > 0 ? image.Pixels.AsSpan((y - 1) * stride, stride) : zeros;
                int best = 0;
                long bestSum = long.MaxValue;
                for (int f = 0; f < 5; f++)
                {
                    var filtered = candidates[f].AsSpan(1);
                    FilterRow((byte)f, row, prior, bpp, filtered);
                    long sum = 0;
                    foreach (byte b in filtered)
                    {
                        sum += Math.Abs((int)(sbyte)b);
                    }

                    if (sum < bestSum)
                    {
                        bestSum = sum;
                        best = f;
                    }
                }

                zlib.Write(candidates[best]);
            }
        }

        return compressed.ToArray();
    }

    /// <summary>Applies PNG filter <paramref name="filter"/> to <paramref name="row"/> given the previous row.</summary>
    internal static void FilterRow(byte filter, ReadOnlySpan<byte> row, ReadOnlySpan<byte> prior, int bpp, Span<byte> output)
    {
        int n = row.Length;
        switch (filter)
        {
            case PngFormat.FilterNone:
                row.CopyTo(output);
                break;
            case PngFormat.FilterSub:
                for (int i = 0; i < n; i++)
                {
                    int a = i >= bpp ? row[i - bpp] : 0;
                    output[i] = (byte)(row[i] - a);
                }

                break;
            case PngFormat.FilterUp:
                for (int i = 0; i < n; i++)
                {
                    output[i] = (byte)(row[i] - prior[i]);
                }

                break;
            case PngFormat.FilterAverage:
                for (int i = 0; i < n; i++)
                {
                    int a = i >= bpp ? row[i - bpp] : 0;
                    output[i] = (byte)(row[i] - ((a + prior[i]) >> 1));
                }

                break;
            case PngFormat.FilterPaeth:
                for (int i = 0; i < n; i++)
                {
                    int a = i >= bpp ? row[i - bpp] : 0;
                    int c = i >= bpp ? prior[i - bpp] : 0;
                    output[i] = (byte)(row[i] - PngFormat.Paeth(a, prior[i], c));
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(filter), filter, "PNG filter types are 0 to 4.");
        }
    }

    private static List<(string Keyword, string Value)> ValidateText(IReadOnlyDictionary<string, string>? text)
    {
        var entries = new List<(string Keyword, string Value)>();
        if (text is null)
        {
            return entries;
        }

        foreach ((string keyword, string value) in text)
        {
            PngFormat.ValidateKeyword(keyword);
            ArgumentNullException.ThrowIfNull(value, $"text[\"{keyword}\"]");
            if (value.Contains('\0'))
            {
                throw new ArgumentException($"PNG text value for '{keyword}' contains a NUL character.", nameof(text));
            }

            entries.Add((keyword, value));
        }

        entries.Sort((x, y) => string.CompareOrdinal(x.Keyword, y.Keyword));
        return entries;
    }

    private static void WriteTextChunk(Stream output, string keyword, string value)
    {
        bool latin1 = true;
        foreach (char ch in value)
        {
            if (ch > '\u00FF')
            {
                latin1 = false;
                break;
            }
        }

        using var data = new MemoryStream();
        data.Write(PngFormat.Latin1.GetBytes(keyword));
        data.WriteByte(0);
        if (latin1)
        {
            data.Write(PngFormat.Latin1.GetBytes(value));
            WriteChunk(output, "tEXt"u8, data.GetBuffer().AsSpan(0, (int)data.Length));
        }
        else
        {
            // iTXt: keyword NUL, compression flag 0, compression method 0, empty language tag NUL,
            // empty translated keyword NUL, UTF-8 text.
            data.WriteByte(0);
            data.WriteByte(0);
            data.WriteByte(0);
            data.WriteByte(0);
            data.Write(Encoding.UTF8.GetBytes(value));
            WriteChunk(output, "iTXt"u8, data.GetBuffer().AsSpan(0, (int)data.Length));
        }
    }
}
