using Arbor.Tensors.Serialization;
using Arbor.TestKit;
using CsCheck;

namespace Arbor.Tensors.Tests.Properties;

/// <summary>
/// Round-trip properties of the safetensors writer and reader over random files: up to 6 tensors of every supported
/// dtype, rank 0 to 3 with dimensions 0 to 4 (so scalars and empty tensors occur), random bytes, names and metadata
/// with non-ASCII text.
/// A failure prints the shrunk file's contents and its seed; rerun it with <c>seed:</c> or <c>CsCheck_Seed</c>.
/// </summary>
public class SafetensorsProperties
{
    private static readonly DType[] DTypes =
        [DType.Float32, DType.Float16, DType.BFloat16, DType.Float64, DType.Int64, DType.Int32, DType.UInt8, DType.Bool];

    private static readonly Gen<string> Texts =
        Gen.OneOf(Gen.Char['a', 'z'].Select(c => c.ToString()), Gen.OneOf(Gen.Const("."), Gen.Const("_"), Gen.Const(" "), Gen.Const("\""),
            Gen.Const("\\"), Gen.Const("é"), Gen.Const("漢"), Gen.Const("😀"), Gen.Const("\n")))
            .Array[0, 10].Select(parts => string.Concat(parts));

    // A bool tensor's bytes are masked to 0 or 1: libtorch's bool is one byte 0 or 1; other bytes are not a bool it can copy faithfully.
    private static readonly Gen<SafetensorsRawTensor> Tensors =
        from dtype in Gen.OneOf(DTypes)
        from shape in Gen.Long[0, 4].Array[0, 3]
        let bytes = (int)(shape.Aggregate(1L, (a, b) => a * b) * dtype.ElementSize())
        from data in Gen.Byte.Array[bytes]
        select new SafetensorsRawTensor("", dtype, shape, dtype == DType.Bool ? data.Select(b => (byte)(b & 1)).ToArray() : data);

    internal sealed record FileContents(SafetensorsRawTensor[] Tensors, Dictionary<string, string> Metadata)
    {
        public override string ToString() =>
            string.Join("; ",
                Tensors.Select(t => $"'{t.Name}' {t.DType} [{string.Join(", ", t.Shape)}] {Convert.ToHexString(t.Data.Span)}")) +
            $"; metadata {{{string.Join(", ", Metadata.Select(p => $"'{p.Key}': '{p.Value}'"))}}}";
    }

    private static readonly Gen<FileContents> Files =
        Gen.Select(Gen.Dictionary(Texts.Where(n => n != "__metadata__"), Tensors)[0, 6], Gen.Dictionary(Texts, Texts)[0, 3],
            (tensors, metadata) => new FileContents(tensors.Select(p => p.Value with { Name = p.Key }).ToArray(), metadata));

    private static void WithFile(Action<string> body)
    {
        using var temp = new TempDirectory("arbor-st-prop-");
        body(temp.File("file.safetensors"));
    }

    /// <summary>
    /// What is written is what is read: the names in ordinal order, each tensor's dtype, shape and bytes, the metadata; the
    /// header is padded to a multiple of 8 and the tensors tile the data buffer in name order. Offsets computed from the
    /// unsorted order, a dtype code mapped to the wrong type, a shape's dimensions reordered, non-ASCII names or metadata
    /// escaped and not unescaped, or padding that is not counted in the header length break it.
    /// </summary>
    [Fact]
    public void ReadingWrittenRawTensorsGivesThemBack() =>
        Files.Sample(f => WithFile(path =>
        {
            Safetensors.Save(path, f.Tensors, f.Metadata);
            using var reader = new SafetensorsReader(path);
            Assert.Equal(f.Tensors.Select(t => t.Name).Order(StringComparer.Ordinal), reader.Names);
            Assert.Equal(0, reader.HeaderLength % 8);
            Assert.Equal(f.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal),
                reader.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal));
            foreach (var t in f.Tensors)
            {
                var entry = reader.Entry(t.Name);
                Assert.Equal(t.DType, entry.DType);
                Assert.Equal(t.Shape, entry.Shape);
                Assert.Equal(t.Data.ToArray(), reader.GetBytes(t.Name).ToArray());
            }
            long offset = 0;
            foreach (var name in reader.Names)
            {
                Assert.Equal(offset, reader.Entry(name).Begin);
                offset = reader.Entry(name).End;
            }
            Assert.Equal(reader.DataLength, offset);
        }), iter: 200, print: f => f.ToString());

    /// <summary>
    /// Through libtorch both ways: the raw file loaded as tensors and saved again from them holds the same dtypes, shapes
    /// and bytes. A loader that builds the tensor with the wrong element type or shape, or a tensor writer that saves a
    /// non-row-major layout or the wrong byte count, fails it; every tensor is disposed, so it also leaks nothing.
    /// </summary>
    [Fact]
    public void TensorsLoadedAndSavedAgainKeepTheirBytes() =>
        Files.Sample(f => WithFile(path => WithFile(again =>
        {
            Safetensors.Save(path, f.Tensors, f.Metadata);
            using (var scope = Torch.NewScope())
            {
                var loaded = Safetensors.Load(path);
                foreach (var t in f.Tensors)
                {
                    Assert.Equal(t.DType, loaded[t.Name].DType);
                    Assert.Equal(t.Shape, loaded[t.Name].Shape);
                }
                Safetensors.Save(again, loaded, f.Metadata);
            }
            Assert.Equal(File.ReadAllBytes(path), File.ReadAllBytes(again));
        })), iter: 100, threads: 1, print: f => f.ToString());
}
