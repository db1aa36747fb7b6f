using System.IO.Compression;

namespace Arbor.Imaging;

/// <summary>
/// Reads 8-bit, non-interlaced PNG files of colour type gray (0), gray+alpha (4), RGB (2) or RGBA (6), with all five
/// row filters and IDAT data split over any number of chunks; text and other ancillary chunks are skipped. Checks the
/// signature and every chunk CRC. Anything malformed or unsupported (other bit depths, palette images, interlacing, a
/// short or long zlib stream, a truncated file) is an <see cref="InvalidDataException"/> whose message names the problem.
/// </summary>
public static class PngDecoder
{
    /// <summary>Reads the image in the PNG file at <paramref name="path"/>.</summary>
    public static Image8 Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var stream = File.OpenRead(path);
        return Read(stream);
    }

    /// <summary>Reads a PNG image from its file bytes.</summary>
    public static Image8 Read(byte[] png)
    {
        ArgumentNullException.ThrowIfNull(png);
        using var stream = new MemoryStream(png, writable: false);
        return Read(stream);
    }

    /// <summary>Reads a PNG image from <paramref name="stream"/>, which is left positioned after the IEND chunk.</summary>
    public static Image8 Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);

        Span<byte> signature = stackalloc byte[8];
        int got = stream.ReadAtLeast(signature, signature.Length, throwOnEndOfStream: false);
        if (got < signature.Length)
        {
            throw new InvalidDataException($"PNG truncated: only {got} byte(s), shorter than the 8-byte PNG signature.");
        }

        if (!signature.SequenceEqual(PngFormat.Signature))
        {
            throw new InvalidDataException(
                $"Not a PNG file: bad signature {Convert.ToHexString(signature)} (expected 89504E470D0A1A0A).");
        }

        Header? header = null;
        using var idat = new MemoryStream();
        int idatChunks = 0;
        long offset = signature.Length;
        Span<byte> prefix = stackalloc byte[8];
        Span<byte> crcBytes = stackalloc byte[4];

        while (true)
        {
            got = stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
            if (got == 0)
            {
                throw new InvalidDataException($"PNG truncated: the file ends at offset {offset} before the IEND chunk.");
            }

            if (got < prefix.Length)
            {
                throw new InvalidDataException($"PNG truncated: incomplete chunk header at offset {offset}.");
            }

            uint length = PngFormat.ReadUInt32BigEndian(prefix[0..4]);
            ReadOnlySpan<byte> type = prefix[4..8];
            string name = PngFormat.TypeName(type);
            foreach (byte b in type)
            {
                if (b is not ((>= (byte)'A' and <= (byte)'Z') or (>= (byte)'a' and <= (byte)'z')))
                {
                    throw new InvalidDataException(
                        $"PNG chunk at offset {offset} has an invalid type {Convert.ToHexString(type)}; the file is corrupt.");
                }
            }

            if (length > int.MaxValue)
            {
                throw new InvalidDataException($"PNG chunk {name} at offset {offset} has invalid length {length}.");
            }

            if (stream.CanSeek && length + 4L > stream.Length - stream.Position)
            {
                throw new InvalidDataException(
                    $"PNG truncated: chunk {name} at offset {offset} declares {length} data bytes but the file ends first.");
            }

            byte[] data = new byte[length];
            if (stream.ReadAtLeast(data, data.Length, throwOnEndOfStream: false) < data.Length
                || stream.ReadAtLeast(crcBytes, 4, throwOnEndOfStream: false) < 4)
            {
                throw new InvalidDataException(
                    $"PNG truncated: chunk {name} at offset {offset} declares {length} data bytes but the file ends first.");
            }

            uint stored = PngFormat.ReadUInt32BigEndian(crcBytes);
            uint computed = PngFormat.ChunkCrc(type, data);
            if (stored != computed)
            {
                throw new InvalidDataException(
                    $"PNG CRC mismatch in chunk {name} at offset {offset}: stored 0x{stored:X8}, computed 0x{computed:X8}.");
            }

            if (header is null && name != "IHDR")
            {
                throw new InvalidDataException($"PNG's first chunk must be IHDR, found {name}.");
            }

            switch (name)
            {
                case "IHDR":
                    if (header is not null)
                    {
                        throw new InvalidDataException($"PNG has a second IHDR chunk at offset {offset}.");
                    }

                    header = ParseHeader(data);
                    break;
                case "IDAT":
                    idat.Write(data);
                    idatChunks++;
                    break;
                case "IEND":
                    if (idatChunks == 0)
                    {
                        throw new InvalidDataException("PNG has no IDAT chunk.");
                    }

                    return DecodeImageData(header!, idat);
                case "PLTE":
                    // Only a suggested palette for the colour types supported here; palette images are rejected in IHDR.
                    break;
                default:
                    if ((type[0] & 0x20) == 0)
                    {
                        throw new InvalidDataException($"PNG has an unsupported critical chunk {name} at offset {offset}.");
                    }

                    break; // Unknown ancillary chunks are skipped.
            }

            offset += 12L + length;
        }
    }

    private sealed record Header(int Width, int Height, int Channels);

    private static Header ParseHeader(byte[] data)
    {
        if (data.Length != 13)
        {
            throw new InvalidDataException($"PNG IHDR chunk has {data.Length} bytes; it must have 13.");
        }

        uint width = PngFormat.ReadUInt32BigEndian(data.AsSpan(0, 4));
        uint height = PngFormat.ReadUInt32BigEndian(data.AsSpan(4, 4));
        byte bitDepth = data[8];
        byte colorType = data[9];
        byte compression = data[10];
        byte filter = data[11];
        byte interlace = data[12];

        if (width == 0 || height == 0 || width > int.MaxValue || height > int.MaxValue)
        {
            throw new InvalidDataException($"PNG has invalid dimensions {width}x{height}.");
        }

        if (bitDepth != 8)
        {
            throw new InvalidDataException($"PNG bit depth {bitDepth} is not supported; only 8-bit images are.");
        }

        int channels = PngFormat.ChannelsForColorType(colorType);
        if (channels == 0)
        {
            string what = colorType == 3 ? " (palette)" : string.Empty;
            throw new InvalidDataException(
                $"PNG color type {colorType}{what} is not supported; only gray (0), RGB (2), gray+alpha (4) and RGBA (6) are.");
        }

        if (compression != 0)
        {
            throw new InvalidDataException($"PNG compression method {compression} is not supported; only 0 (deflate) is.");
        }

        if (filter != 0)
        {
            throw new InvalidDataException($"PNG filter method {filter} is not supported; only 0 (adaptive) is.");
        }

        if (interlace != 0)
        {
            string what = interlace == 1 ? " (Adam7)" : string.Empty;
            throw new InvalidDataException($"PNG interlace method {interlace}{what} is not supported; only non-interlaced images are.");
        }

        long pixelBytes = (long)width * height * channels;
        long rawBytes = pixelBytes + height;
        if (rawBytes > Array.MaxLength)
        {
            throw new InvalidDataException($"PNG image {width}x{height} with {channels} channel(s) is too large to decode.");
        }

        return new Header((int)width, (int)height, channels);
    }

    private static Image8 DecodeImageData(Header header, MemoryStream idat)
    {
        int stride = header.Width * header.Channels;
        int expected = checked(header.Height * (stride + 1));
        byte[] raw = new byte[expected];
        idat.Position = 0;
        int total;
        bool extra;
        try
        {
            using var zlib = new ZLibStream(idat, CompressionMode.Decompress, leaveOpen: true);
            total = zlib.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
            // Reading past the expected size also makes zlib reach (and check) the Adler-32 trailer.
            Span<byte> probe = stackalloc byte[1];
            extra = total == expected && zlib.Read(probe) > 0;
        }
        catch (InvalidDataException ex)
        {
            throw new InvalidDataException($"PNG image data (IDAT) is not a valid zlib stream: {ex.Message}", ex);
        }

        if (total < expected)
        {
            throw new InvalidDataException(
                $"PNG decompressed image data has the wrong size: {total} bytes, expected {expected} " +
                $"({header.Height} rows of 1 filter byte + {stride} bytes).");
        }

        if (extra)
        {
            throw new InvalidDataException(
                $"PNG decompressed image data has the wrong size: more than the expected {expected} bytes " +
                $"({header.Height} rows of 1 filter byte + {stride} bytes).");
        }

        byte[] pixels = new byte[(long)stride * header.Height];
        int bpp = header.Channels;
        for (int y = 0; y < header.Height; y++)
        {
            int src = y * (stride + 1);
            byte filter = raw[src];
            var row = pixels.AsSpan(y * stride, stride);
            raw.AsSpan(src + 1, stride).CopyTo(row);
            var prior = y > 0 ? pixels.AsSpan((y - 1) * stride, stride) : ReadOnlySpan<byte>.Empty;
            Unfilter(filter, y, row, prior, bpp);
        }

        return new Image8(header.Width, header.Height, header.Channels, pixels);
    }

    /// <summary>Reverses PNG filter <paramref name="filter"/> in place; an empty <paramref name="prior"/> means row 0.</summary>
    private static void Unfilter(byte filter, int y, Span<byte> row, ReadOnlySpan<byte> prior, int bpp)
    {
        int n = row.Length;
        bool first = prior.IsEmpty;
        switch (filter)
        {
            case PngFormat.FilterNone:
                break;
            case PngFormat.FilterSub:
                for (int i = bpp; i < n; i++)
                {
                    row[i] = (byte)(row[i] + row[i - bpp]);
                }

                break;
            case PngFormat.FilterUp:
                if (!first)
                {
                    for (int i = 0; i < n; i++)
                    {
                        row[i] = (byte)(row[i] + prior[i]);
                    }
                }

                break;
            case PngFormat.FilterAverage:
                for (int i = 0; i < n; i++)
                {
                    int a = i >= bpp ? row[i - bpp] : 0;
                    int b = first ? 0 : prior[i];
                    row[i] = (byte)(row[i] + ((a + b) >> 1));
                }

                break;
            case PngFormat.FilterPaeth:
                for (int i = 0; i < n; i++)
                {
                    int a = i >= bpp ? row[i - bpp] : 0;
                    int b = first ? 0 : prior[i];
                    int c = !first && i >= bpp ? prior[i - bpp] : 0;
                    row[i] = (byte)(row[i] + PngFormat.Paeth(a, b, c));
                }

                break;
            default:
                throw new InvalidDataException($"PNG row {y} has invalid filter type {filter}; valid types are 0 to 4.");
        }
    }
}
