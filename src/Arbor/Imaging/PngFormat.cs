using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Arbor.Imaging;

/// <summary>Constants and helpers shared by <see cref="PngEncoder"/> and <see cref="PngDecoder"/>.</summary>
internal static class PngFormat
{
    /// <summary>The 8-byte PNG file signature.</summary>
    public static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public const byte FilterNone = 0;
    public const byte FilterSub = 1;
    public const byte FilterUp = 2;
    public const byte FilterAverage = 3;
    public const byte FilterPaeth = 4;

    /// <summary>Latin-1 (ISO 8859-1), the encoding of tEXt keywords and text.</summary>
    public static readonly Encoding Latin1 = Encoding.Latin1;

    /// <summary>PNG colour type for 1/2/3/4 channels: gray (0), gray+alpha (4), RGB (2), RGBA (6).</summary>
    public static byte ColorTypeForChannels(int channels) => channels switch
    {
        1 => 0,
        2 => 4,
        3 => 2,
        4 => 6,
        _ => throw new ArgumentOutOfRangeException(nameof(channels), channels, "Channels must be 1, 2, 3 or 4."),
    };

    /// <summary>Channels for an 8-bit colour type, or 0 when the colour type is not supported here.</summary>
    public static int ChannelsForColorType(byte colorType) => colorType switch
    {
        0 => 1,
        4 => 2,
        2 => 3,
        6 => 4,
        _ => 0,
    };

    /// <summary>The Paeth predictor of PNG filter type 4 (a = left, b = up, c = upper left).</summary>
    public static int Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a);
        int pb = Math.Abs(p - b);
        int pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }

    /// <summary>
    /// A chunk's CRC: CRC-32 (PNG's, the ISO-HDLC one of zlib and gzip) over the chunk type and its data, not the length.
    /// System.IO.Hashing computes it (vectorized where the CPU allows) in place of the hand-written table it replaced.
    /// </summary>
    public static uint ChunkCrc(ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        var crc = new Crc32();
        crc.Append(type);
        crc.Append(data);
        return crc.GetCurrentHashAsUInt32();
    }

    /// <summary>Four ASCII letters as a chunk type name, for messages.</summary>
    public static string TypeName(ReadOnlySpan<byte> type)
    {
        var sb = new StringBuilder(4);
        foreach (byte b in type)
        {
            sb.Append(b is >= 0x21 and <= 0x7E ? (char)b : '?');
        }

        return sb.ToString();
    }

    public static void WriteUInt32BigEndian(Span<byte> destination, uint value) =>
        BinaryPrimitives.WriteUInt32BigEndian(destination, value);

    public static uint ReadUInt32BigEndian(ReadOnlySpan<byte> source) => BinaryPrimitives.ReadUInt32BigEndian(source);

    /// <summary>
    /// Checks a text-chunk keyword: 1-79 Latin-1 printable characters, no leading, trailing or consecutive spaces
    /// (PNG spec 11.3.4.2).
    /// </summary>
    public static void ValidateKeyword(string keyword)
    {
        if (keyword.Length is < 1 or > 79)
        {
            throw new ArgumentException($"PNG text keyword '{keyword}' must be 1 to 79 characters long.", nameof(keyword));
        }

        for (int i = 0; i < keyword.Length; i++)
        {
            char ch = keyword[i];
            bool printable = ch is (>= ' ' and <= '~') or (>= '\u00A1' and <= '\u00FF');
            if (!printable)
            {
                throw new ArgumentException(
                    $"PNG text keyword '{keyword}' has character U+{(int)ch:X4} at {i}; only printable Latin-1 is allowed.",
                    nameof(keyword));
            }

            if (ch == ' ' && (i == 0 || i == keyword.Length - 1 || keyword[i - 1] == ' '))
            {
                throw new ArgumentException(
                    $"PNG text keyword '{keyword}' may not have leading, trailing or consecutive spaces.", nameof(keyword));
            }
        }
    }
}
