using System.Security.Cryptography;
using Arbor.Imaging;

namespace Arbor.Tests.Imaging;

/// <summary>
/// The encoder's exact output, pinned by its SHA-256: the hash was taken with the hand-written CRC-32 that
/// System.IO.Hashing replaced, so any change of the chunk CRCs (or of filtering, compression or chunk order) shows here.
/// </summary>
public class PngGoldenBytesTests
{
    [Fact]
    public void TheSameImageAndTextEncodeToThePinnedBytes()
    {
        var image = new Image8(23, 11, 4, PngTestKit.RandomBytes(23 * 11 * 4, seed: 7));
        var text = new Dictionary<string, string> { ["prompt"] = "a red cube", ["seed"] = "7" };
        // stored (uncompressed) deflate blocks: the pinned bytes then do not depend on the zlib build the runtime ships
        byte[] png = PngEncoder.Encode(image, text, System.IO.Compression.CompressionLevel.NoCompression, maxIdatLength: 256);
        Assert.Equal("d08d24bbf90005b8162e2a1f2ffa963478b815e35dccb04135c5b0f4c9b6c8a5", Convert.ToHexStringLower(SHA256.HashData(png)));
    }
}
