using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Arbor.Tensors.Serialization;

namespace Arbor.Tensors.Tests.Serialization;

/// <summary>
/// Files assembled byte by byte from the format specification (not by our writer), so reader and writer
/// cannot agree on a private misreading of the format; and the writer's output checked against the
/// specification without going through our reader.
/// </summary>
public sealed class SafetensorsSpecFileTests : IClassFixture<SafetensorsTestFiles>
{
    private readonly SafetensorsTestFiles _files;

    public SafetensorsSpecFileTests(SafetensorsTestFiles files) => _files = files;

    private static readonly float[] Weight = [1.5f, -2.25f, 3.0f, 0.001f];
    private static readonly long[] Steps = [1, -7, 1L << 40];

    /// <summary>weight: F32 [2,2] at [0,16); steps: I64 [3] at [16,40). The JSON lists steps first on purpose.</summary>
    private static byte[] HandBuiltFile(bool pad)
    {
        const string header =
            "{\"steps\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[16,40]}," +
            "\"__metadata__\":{\"format\":\"pt\",\"note\":\"h\u00e9llo\"}," +
            "\"weight\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
        var data = new byte[40];
        for (int i = 0; i < 4; i++) BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(4 * i), Weight[i]);
        for (int i = 0; i < 3; i++) BinaryPrimitives.WriteInt64LittleEndian(data.AsSpan(16 + 8 * i), Steps[i]);
        return SafetensorsTestFiles.Assemble(header, data, pad);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // the padding is what writers should do; readers must not depend on it
    public void HandBuiltFileReadsAsSpecified(bool pad)
    {
        var path = _files.Write($"handbuilt-{pad}.safetensors", HandBuiltFile(pad));
        using var reader = new SafetensorsReader(path);

        Assert.Equal(["steps", "weight"], reader.Names);
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["note"] = "h\u00e9llo" }, reader.Metadata);
        Assert.Equal(new SafetensorsEntry("weight", DType.Float32, [2, 2], 0, 16), reader.Entry("weight"));
        Assert.Equal(new SafetensorsEntry("steps", DType.Int64, [3], 16, 40), reader.Entry("steps"));
        Assert.Equal(["weight", "steps"], reader.Entries.Select(e => e.Name));
        Assert.Equal(40, reader.DataLength);

        // Zero-copy bytes: exactly the little-endian values the file holds.
        var weightBytes = reader.GetBytes("weight");
        Assert.Equal(16, weightBytes.Length);
        for (int i = 0; i < 4; i++) Assert.Equal(Weight[i], BinaryPrimitives.ReadSingleLittleEndian(weightBytes[(4 * i)..]));

        using var scope = Torch.NewScope();
        var w = reader.LoadTensor("weight");
        Assert.Equal(DType.Float32, w.DType);
        Assert.Equal([2L, 2L], w.Shape);
        Assert.Equal(Weight, w.ToFloatArray());
        Assert.Equal(-2.25, w[0][1].Item()); // row-major: element (0,1) is the second value

        var s = reader.LoadTensor("steps");
        Assert.Equal(DType.Int64, s.DType);
        Assert.Equal([3L], s.Shape);
        Assert.Equal(Steps, s.ToLongArray());
    }

    [Fact]
    public void HalfPrecisionCodesMapToTheRightDTypes()
    {
        // F16 1.0 = 0x3C00, -2.0 = 0xC000; BF16 1.0 = 0x3F80, -2.0 = 0xC000 (the upper half of the float32 pattern).
        // Swapping F16 and BF16 would read 0x3C00 as BF16 = 0.0078125 and 0x3F80 as F16 = 1.875.
        const string header =
            "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}," +
            "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[4,8]}}";
        byte[] data = [0x00, 0x3C, 0x00, 0xC0, 0x80, 0x3F, 0x00, 0xC0];
        var path = _files.Write("half.safetensors", SafetensorsTestFiles.Assemble(header, data));

        using var reader = new SafetensorsReader(path);
        using var scope = Torch.NewScope();
        var h = reader.LoadTensor("h");
        var b = reader.LoadTensor("b");
        Assert.Equal(DType.Float16, h.DType);
        Assert.Equal(DType.BFloat16, b.DType);
        Assert.Equal([1f, -2f], h.ToFloatArray());
        Assert.Equal([1f, -2f], b.ToFloatArray());
    }

    [Fact]
    public void ScalarAndZeroSizeEntriesAreAccepted()
    {
        const string header =
            "{\"empty\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]}," +
            "\"scalar\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]}," +
            "\"tail\":{\"dtype\":\"I32\",\"shape\":[2,0],\"data_offsets\":[8,8]}}";
        var data = new byte[8];
        BinaryPrimitives.WriteDoubleLittleEndian(data, -0.5);
        var path = _files.Write("scalar.safetensors", SafetensorsTestFiles.Assemble(header, data));

        using var reader = new SafetensorsReader(path);
        using var scope = Torch.NewScope();
        var scalar = reader.LoadTensor("scalar");
        Assert.Empty(scalar.Shape);
        Assert.Equal(-0.5, scalar.Item());
        var empty = reader.LoadTensor("empty");
        Assert.Equal([0L, 3L], empty.Shape);
        Assert.Equal(0, empty.NumEl);
        Assert.Equal([2L, 0L], reader.LoadTensor("tail").Shape);
        Assert.Equal(0, reader.GetBytes("tail").Length);
    }

    [Fact]
    public void EmptyFileWithNoTensorsIsValid()
    {
        var path = _files.Write("none.safetensors", SafetensorsTestFiles.Assemble("{}", []));
        using var reader = new SafetensorsReader(path);
        Assert.Empty(reader.Names);
        Assert.Empty(reader.Metadata);
    }

    [Fact]
    public void WriterOutputFollowsTheSpecification()
    {
        var path = _files.PathFor("written.safetensors");
        // Given out of order; the writer sorts ordinally ("B" < "a" < "b").
        Safetensors.Save(path,
        [
            new SafetensorsRawTensor("b", DType.Int64, [2], new byte[16]),
            new SafetensorsRawTensor("a", DType.UInt8, [3], new byte[] { 1, 2, 3 }),
            new SafetensorsRawTensor("B", DType.Float32, [1, 1], BitConverter.GetBytes(2.5f)),
        ], new Dictionary<string, string> { ["k"] = "v" });

        var file = File.ReadAllBytes(path);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        Assert.Equal(0UL, n % 8);                       // data starts 8-aligned
        Assert.Equal((ulong)file.Length, 8 + n + 4 + 3 + 16);
        var headerText = Encoding.UTF8.GetString(file, 8, (int)n);
        var jsonText = headerText.TrimEnd(' ');
        Assert.EndsWith("}", jsonText);
        Assert.InRange((int)n - jsonText.Length, 0, 7); // padded with spaces only, to the next multiple of 8
        Assert.DoesNotContain('\0', headerText);

        using var doc = JsonDocument.Parse(headerText);
        var keys = doc.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["__metadata__", "B", "a", "b"], keys);
        Assert.Equal("v", doc.RootElement.GetProperty("__metadata__").GetProperty("k").GetString());
        long[] Offsets(string k) =>
            doc.RootElement.GetProperty(k).GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()).ToArray();
        Assert.Equal([0L, 4L], Offsets("B"));
        Assert.Equal([4L, 7L], Offsets("a"));
        Assert.Equal([7L, 23L], Offsets("b"));
        Assert.Equal("F32", doc.RootElement.GetProperty("B").GetProperty("dtype").GetString());
        Assert.Equal([1L, 1L], doc.RootElement.GetProperty("B").GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(2.5f, BitConverter.ToSingle(file, 8 + (int)n));
        Assert.Equal(new byte[] { 1, 2, 3 }, file[(8 + (int)n + 4)..(8 + (int)n + 7)]);
    }

    [Fact]
    public void SavingIsDeterministicWhateverTheInputOrder()
    {
        SafetensorsRawTensor A() => new("alpha", DType.Int32, [2], new byte[] { 1, 0, 0, 0, 2, 0, 0, 0 });
        SafetensorsRawTensor Z() => new("zeta", DType.Bool, [1], new byte[] { 1 });
        var meta1 = new Dictionary<string, string> { ["x"] = "1", ["y"] = "2" };
        var meta2 = new Dictionary<string, string> { ["y"] = "2", ["x"] = "1" };
        var p1 = _files.PathFor("det1.safetensors");
        var p2 = _files.PathFor("det2.safetensors");
        Safetensors.Save(p1, [A(), Z()], meta1);
        Safetensors.Save(p2, [Z(), A()], meta2);
        Assert.Equal(File.ReadAllBytes(p1), File.ReadAllBytes(p2));
    }
}
