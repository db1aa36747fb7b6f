namespace Arbor.Tensors.Tests.Memory;

public class ScopeTests
{
    [Fact]
    public void ScopeFreesEverythingCreatedInside()
    {
        long before = Torch.UnreleasedTensors;
        using (var scope = Torch.NewScope())
        {
            var a = Torch.Randn([4, 4]);
            var b = (a * 2 + 1).Exp().Sum();
            Assert.True(Torch.UnreleasedTensors >= before + 4);
            Assert.True(scope.Count >= 4);
        }
        Assert.Equal(before, Torch.UnreleasedTensors);
    }

    [Fact]
    public void MovedOutTensorSurvivesInnerScopeAndDiesWithOuter()
    {
        long before = Torch.UnreleasedTensors;
        using (var outer = Torch.NewScope())
        {
            Tensor kept;
            using (var inner = Torch.NewScope())
            {
                var tmp = Torch.Ones([3]);
                kept = inner.MoveToOuter(tmp * 5);
            }
            Assert.False(kept.IsDisposed);
            Assert.Equal(new float[] { 5, 5, 5 }, kept.ToFloatArray());
            Assert.Equal(before + 1, Torch.UnreleasedTensors);
        }
        Assert.Equal(before, Torch.UnreleasedTensors);
    }

    [Fact]
    public void DetachedTensorIsOwnedByCaller()
    {
        long before = Torch.UnreleasedTensors;
        Tensor t;
        using (var scope = Torch.NewScope())
        {
            t = Torch.Ones([2]).DetachFromScope();
        }
        Assert.False(t.IsDisposed);
        Assert.Equal(before + 1, Torch.UnreleasedTensors);
        t.Dispose();
        Assert.Equal(before, Torch.UnreleasedTensors);
    }

    [Fact]
    public void DisposingOutOfOrderIsAnError()
    {
        var outer = Torch.NewScope();
        var inner = Torch.NewScope();
        Assert.Throws<InvalidOperationException>(() => outer.Dispose());
        inner.Dispose();
        outer.Dispose();
    }

    [Fact]
    public void ExplicitDisposeInsideScopeIsNotDoubleFreed()
    {
        long before = Torch.UnreleasedTensors;
        using (var scope = Torch.NewScope())
        {
            var a = Torch.Ones([2]);
            a.Dispose();
            Assert.Equal(before, Torch.UnreleasedTensors);
        }
        Assert.Equal(before, Torch.UnreleasedTensors);
    }
}
