using System.IO.Hashing;
using System.Text;
using Arbor.Imaging;

namespace Arbor.Tests.Imaging;

/// <summary>The chunk CRCs PngEncoder writes and PngDecoder checks: CRC-32 as PNG defines it, now System.IO.Hashing's.</summary>
public class Crc32Tests
{
    [Fact]
    public void TheLibrarysCrcIsPngsVariant()
    {
        // PNG's CRC (ISO-HDLC, reflected 0xEDB88320) has the catalogue check value 0xCBF43926; the bit-by-bit
        // reference in PngTestKit is written from the PNG specification, independently of any library
        Assert.Equal(0xCBF43926u, Crc32.HashToUInt32("123456789"u8));
        Assert.Equal(0xCBF43926u, PngTestKit.BitwiseCrc32("123456789"u8));
        Assert.Equal(0x414FA339u, Crc32.HashToUInt32(Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog")));
    }

    [Fact]
    public void TheIendChunkEndsWithThePngSpecificationsCrc()
    {
        // every PNG ends with the same 12 bytes: length 0, "IEND", and the CRC of
        // "IEND", AE 42 60 82 (fixed by the PNG specification: IEND has no data)
        byte[] png = PngEncoder.Encode(new Image8(2, 2, 3, PngTestKit.RandomBytes(12, seed: 3)));
        Assert.Equal([0, 0, 0, 0, (byte)'I', (byte)'E', (byte)'N', (byte)'D', 0xAE, 0x42, 0x60, 0x82], png[^12..]);
    }

    [Fact]
    public void WrittenFile_ChunkCrcs_MatchIndependentRecomputation()
    {
        var image = new Image8(33, 17, 3, PngTestKit.RandomBytes(33 * 17 * 3, seed: 2));
        var text = new Dictionary<string, string> { ["prompt"] = "a red cube", ["note"] = "日本" };
        byte[] png = PngEncoder.Encode(image, text, maxIdatLength: 100);

        // IHDR starts right after the signature: length 13, "IHDR", 13 data bytes, CRC over bytes 12..28.
        Assert.Equal(13u, PngTestKit.GetBigEndian(png, 8));
        Assert.Equal("IHDR"u8.ToArray(), png[12..16]);
        Assert.Equal(33u, PngTestKit.GetBigEndian(png, 16));
        Assert.Equal(17u, PngTestKit.GetBigEndian(png, 20));
        Assert.Equal(PngTestKit.BitwiseCrc32(png.AsSpan(12, 17)), PngTestKit.GetBigEndian(png, 29));

        var chunks = PngTestKit.ParseChunks(png);
        Assert.True(chunks.Count > 5);
        foreach (var chunk in chunks)
        {
            byte[] typeAndData = [.. Encoding.ASCII.GetBytes(chunk.Type), .. chunk.Data];
            Assert.Equal(PngTestKit.BitwiseCrc32(typeAndData), chunk.StoredCrc);
        }
    }
}
