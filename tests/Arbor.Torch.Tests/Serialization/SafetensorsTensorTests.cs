using Arbor.Tensors.Serialization;

namespace Arbor.Tensors.Tests.Serialization;

/// <summary>Round trips of libtorch tensors of every supported dtype through a file.</summary>
public sealed class SafetensorsTensorTests : IClassFixture<SafetensorsTestFiles>
{
    private readonly SafetensorsTestFiles _files;

    public SafetensorsTensorTests(SafetensorsTestFiles files) => _files = files;

    /// <summary>One tensor per supported dtype, plus a scalar and zero-size tensors; created in the current scope.</summary>
    internal static Dictionary<string, Tensor> Sample()
    {
        using var gen = new Generator(seed: 1234);
        var f32 = Torch.Randn([2, 3], gen);
        return new Dictionary<string, Tensor>
        {
            ["f32"] = f32,
            ["f16"] = Torch.Randn([4, 1], gen).To(DType.Float16),
            ["bf16"] = Torch.Randn([3, 2], gen).To(DType.BFloat16),
            ["f64"] = Torch.Randn([2, 2, 2], gen, DType.Float64),
            ["i64"] = Torch.FromArray([long.MinValue, -1L, 0L, 1L << 40, long.MaxValue]),
            ["i32"] = Torch.FromArray([int.MinValue, -5, 7], [3, 1]),
            ["u8"] = Torch.FromArray(new byte[] { 0, 1, 128, 255 }, [2, 2]),
            ["bool"] = Torch.FromArray([true, false, true]),
            ["scalar"] = Torch.Scalar(3.5),
            ["empty"] = Torch.Zeros([0, 3]),
            ["empty_i64"] = Torch.Zeros([2, 0], DType.Int64),
            ["transposed"] = f32.Transpose(0, 1), // non-contiguous: must be saved in its logical row-major order
        };
    }

    [Fact]
    public void RoundTripPreservesDTypesShapesBytesAndMetadata()
    {
        var path = _files.PathFor("roundtrip.safetensors");
        var metadata = new Dictionary<string, string> { ["format"] = "pt", ["step"] = "1200", ["unicode"] = "\u00e9\u6f22" };
        using var scope = Torch.NewScope();
        var original = Sample();
        Safetensors.Save(path, original, metadata);

        var loaded = Safetensors.Load(path);
        Assert.Equal(original.Keys.Order(StringComparer.Ordinal), loaded.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, expected) in original)
        {
            var actual = loaded[name];
            Assert.Equal(expected.DType, actual.DType);
            Assert.Equal(expected.Shape, actual.Shape);
            Assert.Equal(expected.ToBytes(), actual.ToBytes());
        }
        Assert.Empty(loaded["scalar"].Shape);
        Assert.Equal(3.5, loaded["scalar"].Item());
        Assert.Equal([2L, 0L], loaded["empty_i64"].Shape);
        Assert.Equal([3L, 2L], loaded["transposed"].Shape);
        Assert.Equal(original["f32"].ToFloatArray()[1], loaded["transposed"][1][0].ItemFloat()); // (1,0) of the transpose = (0,1)
        Assert.Equal([long.MinValue, -1L, 0L, 1L << 40, long.MaxValue], loaded["i64"].ToLongArray());

        using var reader = new SafetensorsReader(path);
        Assert.Equal(metadata, reader.Metadata);
        foreach (var (name, expected) in original)
        {
            Assert.Equal(expected.ToBytes(), reader.GetBytes(name).ToArray());
            var entry = reader.Entry(name);
            Assert.Equal(expected.Shape, entry.Shape);
            Assert.Equal(expected.DType, entry.DType);
        }
    }

    [Fact]
    public void SavingDoesNotConsumeTheTensors()
    {
        var path = _files.PathFor("notconsumed.safetensors");
        using var scope = Torch.NewScope();
        var t = Torch.Ones([2]);
        Safetensors.Save(path, [new KeyValuePair<string, Tensor>("t", t)]);
        Assert.False(t.IsDisposed);
        Assert.Equal([1f, 1f], t.ToFloatArray());
    }

    [Fact]
    public void DisposedTensorCannotBeSavedAndNothingIsWritten()
    {
        var path = _files.PathFor("disposedtensor.safetensors");
        var t = Torch.Ones([2]);
        t.Dispose();
        Assert.Throws<ObjectDisposedException>(() => Safetensors.Save(path, [new KeyValuePair<string, Tensor>("t", t)]));
        Assert.False(File.Exists(path));
        Assert.False(File.Exists(path + ".tmp"));
    }
}
