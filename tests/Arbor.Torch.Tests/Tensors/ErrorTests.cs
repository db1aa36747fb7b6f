namespace Arbor.Tensors.Tests.Tensors;

public class ErrorTests
{
    [Fact]
    public void MatmulShapeMismatchBecomesTorchExceptionWithMessage()
    {
        using var scope = Torch.NewScope();
        var a = Torch.Ones([2, 3]);
        var b = Torch.Ones([4, 5]);
        var e = Assert.Throws<TorchException>(() => a.Matmul(b));
        Assert.Contains("2x3", e.Message);
        Assert.Contains("4x5", e.Message);
        Assert.DoesNotContain("\n", e.Message);
        // the process keeps working, and the error slot was consumed
        Assert.Equal(new float[] { 3, 3 }, Torch.Ones([2, 3]).Matmul(Torch.Ones([3, 1])).ToFloatArray());
    }

    [Fact]
    public void BadDimBecomesTorchException()
    {
        using var scope = Torch.NewScope();
        var a = Torch.Ones([2, 3]);
        var e = Assert.Throws<TorchException>(() => a.Sum(5));
        Assert.Contains("Dimension out of range", e.Message);
        Assert.Throws<TorchException>(() => a.View(7));
        Assert.Throws<TorchException>(() => a.Softmax(-3));
        Assert.Equal(6, a.Sum().Item());
    }

    [Fact]
    public void ManyErrorsInARowDoNotLeakOrCrash()
    {
        long before = Torch.UnreleasedTensors;
        using (var scope = Torch.NewScope())
        {
            var a = Torch.Ones([2, 3]);
            for (int i = 0; i < 1000; i++) Assert.Throws<TorchException>(() => a.Matmul(a));
        }
        Assert.Equal(before, Torch.UnreleasedTensors);
    }

    [Fact]
    public void UsingADisposedTensorIsObjectDisposed()
    {
        var t = Torch.Ones([2]);
        t.Dispose();
        Assert.True(t.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => t.Sum());
        t.Dispose(); // idempotent
    }
}
