using System.Text;
using Arbor.Imaging;

namespace Arbor.Tests.Imaging;

public class Crc32Tests
{
    [Fact]
    public void CheckValue()
    {
        Assert.Equal(0xCBF43926u, Crc32.Compute("123456789"u8));
        Assert.Equal(0xCBF43926u, PngTestKit.BitwiseCrc32("123456789"u8));
    }

    [Fact]
    public void KnownValues()
    {
        Assert.Equal(0x00000000u, Crc32.Compute([]));
        Assert.Equal(0xE8B7BE43u, Crc32.Compute("a"u8));
        Assert.Equal(0x414FA339u, Crc32.Compute(Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog")));
        Assert.Equal(0xAE426082u, Crc32.Compute("IEND"u8));
    }

    [Fact]
    public void Append_EqualsWholeAndMatchesBitwise()
    {
        byte[] data = PngTestKit.RandomBytes(1000, seed: 1);
        uint whole = Crc32.Compute(data);
        Assert.Equal(PngTestKit.BitwiseCrc32(data), whole);
        for (int split = 0; split <= data.Length; split += 37)
        {
            Assert.Equal(whole, Crc32.Append(Crc32.Compute(data.AsSpan(0, split)), data.AsSpan(split)));
        }
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

        List<PngTestKit.Chunk> chunks = PngTestKit.ParseChunks(png);
        Assert.True(chunks.Count > 5);
        foreach (PngTestKit.Chunk chunk in chunks)
        {
            byte[] typeAndData = [.. Encoding.ASCII.GetBytes(chunk.Type), .. chunk.Data];
            Assert.Equal(PngTestKit.BitwiseCrc32(typeAndData), chunk.StoredCrc);
        }
    }
}
