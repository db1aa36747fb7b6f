namespace Arbor.Tensors.Tests.Tensors;

public class TensorBasicsTests
{
    [Fact]
    public void FromArrayRoundTripsValuesAndShape()
    {
        using var scope = Torch.NewScope();
        var t = Torch.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        Assert.Equal(new long[] { 2, 3 }, t.Shape);
        Assert.Equal(DType.Float32, t.DType);
        Assert.Equal(Device.Cpu, t.Device);
        Assert.Equal(new float[] { 1, 2, 3, 4, 5, 6 }, t.ToFloatArray());
        Assert.Equal(6, t.NumEl);
    }

    [Fact]
    public void ArithmeticBroadcasts()
    {
        using var scope = Torch.NewScope();
        var a = Torch.FromArray(new float[] { 1, 2, 3, 4 }, [2, 2]);
        var b = Torch.FromArray(new float[] { 10, 20 }, [2]);
        Assert.Equal(new float[] { 11, 22, 13, 24 }, (a + b).ToFloatArray());
        Assert.Equal(new float[] { -9, -18, -7, -16 }, (a - b).ToFloatArray());
        Assert.Equal(new float[] { 2, 4, 6, 8 }, (a * 2).ToFloatArray());
        Assert.Equal(new float[] { 0, 1, 2, 3 }, (a - 1).ToFloatArray());
        Assert.Equal(new float[] { 1, 0, -1, -2 }, (2 - a).ToFloatArray());
        Assert.Equal(new float[] { 21, 42, 23, 44 }, a.Add(b, alpha: 2).ToFloatArray());
        Assert.Equal((a + b * 2).ToFloatArray(), a.Add(b, alpha: 2).ToFloatArray());
    }

    [Fact]
    public void IntegerScalarKeepsIntegerType()
    {
        using var scope = Torch.NewScope();
        var a = Torch.Arange(5);
        var b = a + 1;
        Assert.Equal(DType.Int64, b.DType);
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, b.ToLongArray());
    }

    [Fact]
    public void ReductionsOverDims()
    {
        using var scope = Torch.NewScope();
        var a = Torch.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        Assert.Equal(21, a.Sum().Item());
        Assert.Equal(new double[] { 6, 15 }, a.Sum(1).ToDoubleArray());
        Assert.Equal(new long[] { 2, 1 }, a.Mean(1, keepDim: true).Shape);
        Assert.Equal(new double[] { 2.5, 3.5, 4.5 }, a.Mean(0).ToDoubleArray());
        Assert.Equal(35.0 / 12, a.Var(unbiased: false).Item(), 12);
        Assert.Equal(3.5, a.Var().Item(), 12);
        Assert.Equal(Math.Sqrt(3.5), a.Std().Item(), 12);
        Assert.Equal(6, a.Max().Item());
        Assert.Equal(1, a.Min().Item());
        Assert.Equal(new long[] { 2, 2 }, a.ArgMax(1).ToLongArray());
        Assert.Equal(5, a.ArgMax().Item());
        Assert.Equal(new double[] { 3, 6 }, a.Max(1).ToDoubleArray());
    }

    [Fact]
    public void ShapeOperations()
    {
        using var scope = Torch.NewScope();
        var a = Torch.Arange(0, 24, 1, DType.Float32).Reshape(2, 3, 4);
        Assert.Equal(new long[] { 4, 3, 2 }, a.Permute(2, 1, 0).Shape);
        Assert.Equal(new long[] { 2, 4, 3 }, a.Transpose(1, 2).Shape);
        Assert.Equal(new long[] { 6, 4 }, a.View(6, 4).Shape);
        Assert.Equal(new long[] { 2, 12 }, a.Flatten(1).Shape);
        Assert.Equal(new long[] { 2, 1, 3, 4 }, a.Unsqueeze(1).Shape);
        Assert.Equal(new float[] { 4, 5, 6, 7 }, a[0][1].ToFloatArray());
        Assert.Equal(new float[] { 1, 2, 5, 6, 9, 10 }, a[0].Narrow(1, 1, 2).ToFloatArray());
        var chunks = a.Chunk(2, 2);
        Assert.Equal(2, chunks.Length);
        Assert.Equal(new long[] { 2, 3, 2 }, chunks[1].Shape);
        var splits = a.Split(2, 1);
        Assert.Equal(new[] { 2L, 1L }, splits.Select(s => s.Size(1)).ToArray());
        Assert.Equal(new long[] { 4, 3, 4 }, Torch.Cat([a, a], 0).Shape);
        Assert.Equal(new long[] { 2, 2, 3, 4 }, Torch.Stack([a, a], 0).Shape);
        var idx = Torch.FromArray(new long[] { 2, 0 });
        Assert.Equal(new float[] { 8, 9, 10, 11, 0, 1, 2, 3 }, a[0].IndexSelect(0, idx).ToFloatArray());
        var g = Torch.FromArray(new long[] { 3, 0, 1 }, [3, 1]);
        Assert.Equal(new float[] { 3, 4, 9 }, a[0].Gather(1, g).ToFloatArray());
    }

    [Fact]
    public void WhereMaskedFillAndComparisons()
    {
        using var scope = Torch.NewScope();
        var a = Torch.FromArray(new float[] { -1, 2, -3, 4 });
        var mask = a.Gt(0);
        Assert.Equal(new[] { false, true, false, true }, mask.ToBoolArray());
        Assert.Equal(new float[] { 0, 2, 0, 4 }, Torch.Where(mask, a, Torch.ZerosLike(a)).ToFloatArray());
        Assert.Equal(new float[] { 9, 2, 9, 4 }, a.MaskedFill(mask.LogicalNot(), 9).ToFloatArray());
        Assert.Equal(new float[] { -1, 2, -2, 2 }, a.Clamp(-2, 2).ToFloatArray());
        Assert.Equal(new float[] { 0, 2, 0, 4 }, a.Clamp(min: 0).ToFloatArray());
    }

    [Fact]
    public void DtypesConvert()
    {
        using var scope = Torch.NewScope();
        var a = Torch.FromArray(new float[] { 1.5f, -2.25f });
        foreach (var dt in new[] { DType.Float16, DType.BFloat16, DType.Float64 })
            Assert.Equal(new float[] { 1.5f, -2.25f }, a.To(dt).ToFloatArray());
        Assert.Equal(new long[] { 1, -2 }, a.To(DType.Int64).ToLongArray());
        Assert.Equal(2, a.To(DType.BFloat16).ToBytes().Length / 2);
        Assert.Equal(new[] { true, true }, a.To(DType.Bool).ToBoolArray());
    }

    [Fact]
    public void LinspaceArangeEye()
    {
        using var scope = Torch.NewScope();
        Assert.Equal(new float[] { 0, 0.25f, 0.5f, 0.75f, 1 }, Torch.Linspace(0, 1, 5).ToFloatArray());
        Assert.Equal(new long[] { 2, 4, 6 }, Torch.Arange(2, 8, 2).ToLongArray());
        Assert.Equal(new float[] { 1, 0, 0, 1 }, Torch.Eye(2).ToFloatArray());
        Assert.Equal(new float[] { 7, 7 }, Torch.Full([2], 7).ToFloatArray());
    }
}
