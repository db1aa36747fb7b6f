using System.Buffers.Binary;
using Arbor.Tensors.Serialization;

namespace Arbor.Tensors.Tests.Serialization;

/// <summary>
/// Every violation of the format is refused at open, with a message that names the file, the key at fault
/// and the problem. None of these tests needs libtorch.
/// </summary>
public sealed class SafetensorsRejectionTests : IClassFixture<SafetensorsTestFiles>
{
    private readonly SafetensorsTestFiles _files;

    public SafetensorsRejectionTests(SafetensorsTestFiles files) => _files = files;

    /// <summary>Opens <paramref name="bytes"/> as a file and returns the exception, checking it names the file (and key).</summary>
    private SafetensorsFormatException Reject(string fileName, byte[] bytes, string? key)
    {
        var path = _files.Write(fileName, bytes);
        var e = Assert.Throws<SafetensorsFormatException>(() => new SafetensorsReader(path).Dispose());
        Assert.Equal(Path.GetFullPath(path), e.FilePath);
        Assert.Contains(Path.GetFullPath(path), e.Message);
        Assert.Equal(key, e.TensorName);
        if (key is not null) Assert.Contains($"'{key}'", e.Message);
        return e;
    }

    private SafetensorsFormatException RejectHeader(string fileName, string header, int dataLength, string? key) =>
        Reject(fileName, SafetensorsTestFiles.Assemble(header, new byte[dataLength]), key);

    private static string F32(string name, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"F32\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    [Fact]
    public void TruncatedDataIsRejected()
    {
        var path = _files.PathFor("whole.safetensors");
        Safetensors.Save(path,
        [
            new SafetensorsRawTensor("first", DType.Float32, [2], new byte[8]),
            new SafetensorsRawTensor("second", DType.Int64, [4], new byte[32]),
        ]);
        var whole = File.ReadAllBytes(path);
        var e = Reject("cut.safetensors", whole[..^5], "second");
        Assert.Contains("truncated", e.Message);
        Assert.Contains("end 40 is beyond the 35-byte data buffer", e.Message);
    }

    [Fact]
    public void HeaderLengthBeyondTheFileIsRejected()
    {
        var bytes = SafetensorsTestFiles.Assemble("{}", []);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        var e = Reject("longheader.safetensors", bytes, null);
        Assert.Contains("header length 1000 exceeds the 8 bytes that follow", e.Message);
    }

    [Fact]
    public void AbsurdHeaderLengthIsRejectedBeforeAnyParse()
    {
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue); // would be negative as a signed length
        var e = Reject("huge.safetensors", bytes, null);
        Assert.Contains("larger than the 100000000-byte limit", e.Message);
    }

    [Fact]
    public void FileShorterThanTheLengthPrefixIsRejected()
    {
        var e = Reject("tiny.safetensors", [1, 0, 0], null);
        Assert.Contains("shorter than the 8-byte header length prefix", e.Message);
        Reject("zero.safetensors", [], null);
    }

    [Theory]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],}}")] // trailing comma
    [InlineData("")]
    public void CorruptJsonIsRejected(string header)
    {
        var e = RejectHeader("corrupt.safetensors", header, 4, null);
        Assert.Contains("not valid JSON", e.Message);
    }

    [Fact]
    public void NonObjectHeaderIsRejected()
    {
        var e = RejectHeader("array.safetensors", "[1,2]", 0, null);
        Assert.Contains("must be a JSON object, found a JSON array", e.Message);
    }

    [Fact]
    public void UnknownDTypeIsRejected()
    {
        var e = RejectHeader("dtype.safetensors", "{\"w\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "w");
        Assert.Contains("unknown dtype 'F33'", e.Message);
    }

    [Fact]
    public void DTypeOfTheSpecWithoutArborSupportIsRejectedAsUnsupported()
    {
        var e = RejectHeader("i8.safetensors", "{\"w\":{\"dtype\":\"I8\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4, "w");
        Assert.Contains("dtype 'I8' is valid safetensors but not supported", e.Message);
    }

    [Fact]
    public void MissingDTypeIsRejected()
    {
        var e = RejectHeader("nodtype.safetensors", "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "w");
        Assert.Contains("missing \"dtype\"", e.Message);
    }

    [Fact]
    public void NegativeShapeIsRejected()
    {
        var e = RejectHeader("negshape.safetensors", "{" + F32("w", "[2,-2]", 0, 16) + "}", 16, "w");
        Assert.Contains("negative dimension -2", e.Message);
    }

    [Theory]
    [InlineData("[0]")]
    [InlineData("[0,4,8]")]
    [InlineData("[0,4.5]")]
    [InlineData("\"0-4\"")]
    public void MalformedOffsetsAreRejected(string offsets)
    {
        var e = RejectHeader("offs.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":" + offsets + "}}", 4, "w");
        Assert.Contains("data_offsets", e.Message);
    }

    [Fact]
    public void BeginAfterEndIsRejected()
    {
        var e = RejectHeader("backwards.safetensors", "{" + F32("w", "[1]", 8, 4) + "}", 8, "w");
        Assert.Contains("begin 8 is after end 4", e.Message);
    }

    [Fact]
    public void OffsetsLengthNotMatchingTheShapeIsRejected()
    {
        // F32 [2,2] needs 16 bytes; the offsets give it 12.
        var e = RejectHeader("mismatch.safetensors", "{" + F32("w", "[2,2]", 0, 12) + "}", 12, "w");
        Assert.Contains("span 12 bytes but shape [2, 2] of F32 needs 16 bytes", e.Message);
    }

    [Fact]
    public void OverlappingOffsetsAreRejected()
    {
        var header = "{" + F32("a", "[4]", 0, 16) + "," + F32("b", "[4]", 8, 24) + "}";
        var e = RejectHeader("overlap.safetensors", header, 24, "b");
        Assert.Contains("overlap tensor 'a'", e.Message);
    }

    [Fact]
    public void ZeroSizeTensorInsideAnotherIsRejectedAsOverlap()
    {
        var header = "{" + F32("a", "[4]", 0, 16) + "," + F32("z", "[0]", 4, 4) + "}";
        var e = RejectHeader("zerooverlap.safetensors", header, 16, "z");
        Assert.Contains("overlap", e.Message);
    }

    [Fact]
    public void HoleInTheBufferIsRejected()
    {
        var header = "{" + F32("a", "[2]", 0, 8) + "," + F32("b", "[2]", 16, 24) + "}";
        var e = RejectHeader("hole.safetensors", header, 24, "b");
        Assert.Contains("hole of 8 unindexed bytes", e.Message);
    }

    [Fact]
    public void UnindexedBytesAtTheEndAreRejectedAsAHole()
    {
        var e = RejectHeader("tailhole.safetensors", "{" + F32("a", "[2]", 0, 8) + "}", 12, null);
        Assert.Contains("hole of 4 unindexed bytes at its end", e.Message);
    }

    [Fact]
    public void DuplicateKeysAreRejected()
    {
        var header = "{" + F32("a", "[1]", 0, 4) + "," + F32("a", "[1]", 4, 8) + "}";
        var e = RejectHeader("dup.safetensors", header, 8, "a");
        Assert.Contains("duplicate key", e.Message);
    }

    [Fact]
    public void NonStringMetadataIsRejected()
    {
        var e = RejectHeader("meta.safetensors", "{\"__metadata__\":{\"epoch\":3}}", 0, "__metadata__");
        Assert.Contains("value of 'epoch' must be a string", e.Message);
    }

    [Fact]
    public void OffsetsBeyondInt64AreRejected()
    {
        var e = RejectHeader("bigoff.safetensors", "{" + F32("w", "[1]", 0, 0).Replace("[0,0]", "[0,18446744073709551616]") + "}", 0, "w");
        Assert.Contains("not an integer in the 64-bit range", e.Message);
    }

    [Fact]
    public void UnknownTensorNameNamesTheKeyAndTheFile()
    {
        var path = _files.PathFor("names.safetensors");
        Safetensors.Save(path, [new SafetensorsRawTensor("present", DType.UInt8, [1], new byte[] { 7 })]);
        using var reader = new SafetensorsReader(path);
        var e = Assert.Throws<KeyNotFoundException>(() => reader.GetBytes("absent").Length);
        Assert.Contains("'absent'", e.Message);
        Assert.Contains(Path.GetFullPath(path), e.Message);
        Assert.False(reader.Contains("absent"));
        Assert.Equal(7, reader.GetBytes("present")[0]);
    }

    [Fact]
    public void DisposedReaderRefusesReads()
    {
        var path = _files.PathFor("disposed.safetensors");
        Safetensors.Save(path, [new SafetensorsRawTensor("x", DType.UInt8, [1], new byte[] { 7 })]);
        var reader = new SafetensorsReader(path);
        reader.Dispose();
        Assert.Throws<ObjectDisposedException>(() => reader.GetBytes("x").Length);
        reader.Dispose(); // idempotent
    }

    // ---- the writer refuses what a reader would reject ----

    [Fact]
    public void WriterRejectsDataNotMatchingTheShape()
    {
        var path = _files.PathFor("badwrite.safetensors");
        var e = Assert.Throws<ArgumentException>(() =>
            Safetensors.Save(path, [new SafetensorsRawTensor("w", DType.Float32, [3], new byte[8])]));
        Assert.Contains("'w' has 8 bytes but shape [3] of Float32 needs 12", e.Message);
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void WriterRejectsDuplicateAndReservedNames()
    {
        var path = _files.PathFor("badnames.safetensors");
        var dup = Assert.Throws<ArgumentException>(() => Safetensors.Save(path,
            [new SafetensorsRawTensor("w", DType.UInt8, [1], new byte[1]), new SafetensorsRawTensor("w", DType.UInt8, [1], new byte[1])]));
        Assert.Contains("duplicate tensor name 'w'", dup.Message);
        var reserved = Assert.Throws<ArgumentException>(() => Safetensors.Save(path,
            [new SafetensorsRawTensor("__metadata__", DType.UInt8, [1], new byte[1])]));
        Assert.Contains("reserved", reserved.Message);
        var negative = Assert.Throws<ArgumentException>(() => Safetensors.Save(path,
            [new SafetensorsRawTensor("n", DType.UInt8, [-1], Array.Empty<byte>())]));
        Assert.Contains("negative dimension", negative.Message);
        var dtype = Assert.Throws<ArgumentException>(() => Safetensors.Save(path,
            [new SafetensorsRawTensor("q", (DType)1, [1], new byte[1])])); // c10 Int8: no Arbor safetensors code
        Assert.Contains("'q' has dtype 1, which safetensors cannot hold", dtype.Message);
        Assert.False(File.Exists(path));
    }
}
