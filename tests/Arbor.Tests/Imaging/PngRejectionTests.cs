using Arbor.Imaging;

namespace Arbor.Tests.Imaging;

public class PngRejectionTests
{
    private static byte[] ValidPng() => PngEncoder.Encode(new Image8(7, 3, 3, PngTestKit.RandomBytes(63, seed: 9)));

    private static InvalidDataException Rejects(byte[] png) =>
        Assert.Throws<InvalidDataException>(() => PngDecoder.Read(png));

    [Fact]
    public void ValidFile_IsAccepted() => Assert.Equal(7, PngDecoder.Read(ValidPng()).Width);

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(7)]
    public void BadSignature(int index)
    {
        byte[] png = ValidPng();
        png[index] ^= 0x20;
        Assert.Contains("signature", Rejects(png).Message);
    }

    [Fact]
    public void NotAPngAtAll()
    {
        Assert.Contains("signature", Rejects("GIF89a\0\0\0\0\0\0"u8.ToArray()).Message);
    }

    [Fact]
    public void CorruptedIdatByte_IsCrcMismatch()
    {
        byte[] png = ValidPng();
        var idat = PngTestKit.ParseChunks(png).First(c => c.Type == "IDAT");
        png[idat.Offset + 8 + (idat.Data.Length / 2)] ^= 0x01;
        string message = Rejects(png).Message;
        Assert.Contains("CRC mismatch", message);
        Assert.Contains("IDAT", message);
    }

    [Fact]
    public void CorruptedStoredCrc_IsCrcMismatchInIhdr()
    {
        byte[] png = ValidPng();
        png[29] ^= 0xFF; // first byte of the IHDR CRC
        string message = Rejects(png).Message;
        Assert.Contains("CRC mismatch", message);
        Assert.Contains("IHDR", message);
    }

    [Fact]
    public void EveryTruncation_IsRejectedAsTruncated()
    {
        byte[] png = ValidPng();
        for (int length = 0; length < png.Length; length++)
        {
            var ex = Rejects(png[..length]);
            Assert.Contains("truncated", ex.Message);
        }

        // And through a non-seekable stream, where the decoder cannot look at the length up front.
        for (int length = 0; length < png.Length; length += 5)
        {
            using var stream = new NonSeekableStream(png[..length]);
            var ex = Assert.Throws<InvalidDataException>(() => PngDecoder.Read(stream));
            Assert.Contains("truncated", ex.Message);
        }
    }

    [Fact]
    public void NonSeekableStream_ValidFile_Decodes()
    {
        byte[] png = ValidPng();
        using var stream = new NonSeekableStream(png);
        Assert.Equal(PngDecoder.Read(png).Pixels, PngDecoder.Read(stream).Pixels);
    }

    [Theory]
    [InlineData(16)]
    [InlineData(1)]
    [InlineData(4)]
    public void UnsupportedBitDepth(byte bitDepth)
    {
        byte[] png = PngTestKit.BuildPng(PngTestKit.Ihdr(2, 2, bitDepth, 2), new byte[2 * (1 + 12)]);
        var ex = Rejects(png);
        Assert.Contains("bit depth", ex.Message);
        Assert.Contains(bitDepth.ToString(), ex.Message);
    }

    [Fact]
    public void Interlaced_IsRejected()
    {
        byte[] png = PngTestKit.BuildPng(PngTestKit.Ihdr(2, 2, 8, 2, interlace: 1), new byte[2 * (1 + 6)]);
        Assert.Contains("interlace", Rejects(png).Message);
    }

    [Theory]
    [InlineData(3)] // palette
    [InlineData(1)] // not a colour type
    [InlineData(7)]
    public void UnsupportedColorType(byte colorType)
    {
        byte[] png = PngTestKit.BuildPng(PngTestKit.Ihdr(2, 2, 8, colorType), new byte[2 * (1 + 2)]);
        Assert.Contains($"color type {colorType}", Rejects(png).Message);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    [InlineData(-7)]
    [InlineData(7)]
    public void WrongDecompressedSize(int delta)
    {
        // 7x3 RGB needs 3 * (1 + 21) = 66 bytes; give one byte / one row fewer or more.
        byte[] scanlines = new byte[66 + delta];
        byte[] png = PngTestKit.BuildPng(PngTestKit.Ihdr(7, 3, 8, 2), scanlines);
        string message = Rejects(png).Message;
        Assert.Contains("decompressed", message);
        Assert.Contains("66", message);
    }

    [Fact]
    public void InvalidFilterType()
    {
        byte[] scanlines = new byte[2 * (1 + 2)];
        scanlines[3] = 5; // row 1
        byte[] png = PngTestKit.BuildPng(PngTestKit.Ihdr(2, 2, 8, 0), scanlines);
        string message = Rejects(png).Message;
        Assert.Contains("filter type 5", message);
        Assert.Contains("row 1", message);
    }

    [Fact]
    public void CorruptZlibStream_WithValidCrc()
    {
        byte[] zlib = PngTestKit.Zlib(PngTestKit.RandomBytes(2 * 7, seed: 4));
        zlib[^1] ^= 0xFF; // break the Adler-32 trailer
        byte[] png = PngTestKit.BuildPngFromZlib(PngTestKit.Ihdr(2, 2, 8, 2), zlib);
        Assert.Contains("zlib", Rejects(png).Message);

        byte[] garbage = PngTestKit.BuildPngFromZlib(PngTestKit.Ihdr(2, 2, 8, 2), [0x78, 0x9C, 0xFF, 0xFF, 0xFF, 0xFF]);
        Assert.Throws<InvalidDataException>(() => PngDecoder.Read(garbage));
    }

    [Fact]
    public void MissingIdat_FirstChunkNotIhdr_UnknownCriticalChunk()
    {
        using (var ms = new MemoryStream())
        {
            ms.Write(PngTestKit.Signature);
            PngTestKit.WriteChunk(ms, "IHDR", PngTestKit.Ihdr(1, 1, 8, 0));
            PngTestKit.WriteChunk(ms, "IEND", []);
            Assert.Contains("no IDAT", Rejects(ms.ToArray()).Message);
        }

        using (var ms = new MemoryStream())
        {
            ms.Write(PngTestKit.Signature);
            PngTestKit.WriteChunk(ms, "tEXt", "a\0b"u8);
            PngTestKit.WriteChunk(ms, "IHDR", PngTestKit.Ihdr(1, 1, 8, 0));
            Assert.Contains("first chunk must be IHDR", Rejects(ms.ToArray()).Message);
        }

        using (var ms = new MemoryStream())
        {
            ms.Write(PngTestKit.Signature);
            PngTestKit.WriteChunk(ms, "IHDR", PngTestKit.Ihdr(1, 1, 8, 0));
            PngTestKit.WriteChunk(ms, "ABCD", [1, 2]);
            PngTestKit.WriteChunk(ms, "IDAT", PngTestKit.Zlib([0, 0]));
            PngTestKit.WriteChunk(ms, "IEND", []);
            Assert.Contains("critical chunk ABCD", Rejects(ms.ToArray()).Message);
        }
    }

    [Fact]
    public void UnknownAncillaryChunk_IsSkipped()
    {
        using var ms = new MemoryStream();
        ms.Write(PngTestKit.Signature);
        PngTestKit.WriteChunk(ms, "IHDR", PngTestKit.Ihdr(1, 1, 8, 0));
        PngTestKit.WriteChunk(ms, "abCD", [1, 2, 3]);
        PngTestKit.WriteChunk(ms, "IDAT", PngTestKit.Zlib([0, 42]));
        PngTestKit.WriteChunk(ms, "IEND", []);
        Assert.Equal(42, PngDecoder.Read(ms.ToArray()).Get(0, 0));
    }

    [Fact]
    public void ZeroWidth_IsRejected()
    {
        byte[] png = PngTestKit.BuildPng(PngTestKit.Ihdr(0, 1, 8, 0), [0]);
        Assert.Contains("dimensions", Rejects(png).Message);
    }

    private sealed class NonSeekableStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 3));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
