using Arbor.Models;
using Arbor.Strategies;
using Arbor.Tensors;
using Arbor.Training;

namespace Arbor.Tests.Training;

public class GroupSpreadWeightsTests
{
    [Fact]
    public void APixelWhereTheGroupDiffersWeighsItsNeighbourhoodAndNothingElse()
    {
        using var scope = Torch.NewScope();
        // two 1x4x4 images equal but at pixel (1, 1): 0 against 1, population std 0.5 there and 0 elsewhere
        var a = Torch.Zeros([1, 4, 4]);
        var values = new float[16];
        values[1 * 4 + 1] = 1;
        var b = Torch.FromArray(values, [1, 4, 4]);
        long live = Torch.LiveTensors;
        var m = GroupSpreadWeights.Of([a, b]);
        Assert.Equal(live, Torch.LiveTensors);                  // every temporary of the map is freed
        // the 3x3 box spreads 0.5/9 over the 9 pixels around (1, 1); the mean over 16 pixels is 0.5/16, so each of
        // those 9 weighs 16/9 and the other 7 weigh 0
        for (int y = 0; y < 4; y++)
        {
            for (int x = 0; x < 4; x++)
            {
                double expected = y <= 2 && x <= 2 ? 16.0 / 9 : 0;
                Assert.Equal(expected, m[y * 4 + x], 5);
            }
        }
        Assert.Equal(1.0, m.Average(), 5);
    }

    [Fact]
    public void ChannelsAreAveragedInTheVarianceAndAGroupOfEqualImagesWeighsEveryPixelOne()
    {
        using var scope = Torch.NewScope();
        using var gen = new Generator(3);
        var image = Torch.Randn([3, 5, 5], gen);
        Assert.All(GroupSpreadWeights.Of([image, image.Clone(), image.Clone()]), w => Assert.Equal(1f, w));
        // a difference in one channel of three counts a third of the variance: the map's shape is the same, so its
        // normalized weights are the same as a difference in every channel
        var one = image.Clone();
        var all = image.Clone();
        using (Torch.NoGrad())
        {
            one.Narrow(0, 0, 1).AddInPlace(Torch.Ones([1, 5, 5]));
            all.AddInPlace(Torch.Ones([3, 5, 5]));
        }
        var mOne = GroupSpreadWeights.Of([image, one]);
        var mAll = GroupSpreadWeights.Of([image, all]);
        for (int i = 0; i < 25; i++) Assert.Equal(mAll[i], mOne[i], 5);
        Assert.Throws<ArgumentException>(() => GroupSpreadWeights.Of([image]));
    }

    [Fact]
    public void NftWeightsEachPixelsSquaredErrorAndZeroWeightPixelsGetNoGradient()
    {
        var nft = new NftLoss(new NftConfig { Steps = 4, RefWeight = 0 }, advantageClip: 5);
        using var scope = Torch.NewScope();
        using var gen = new Generator(7);
        // one sample [1, 1, 2, 2] at t = 0.4, weights (2, 2, 0, 0): the loss is the unweighted loss of the first row alone
        var x0 = Torch.Randn([1, 1, 2, 2], gen);
        var xt = Torch.Randn([1, 1, 2, 2], gen);
        var tb = Torch.Full([1, 1, 1, 1], 0.4);
        var v = Torch.Randn([1, 1, 2, 2], gen).RequiresGradInPlace();
        var vOld = Torch.Randn([1, 1, 2, 2], gen);
        var weights = Torch.FromArray(new float[] { 2, 2, 0, 0 }, [1, 1, 2, 2]);
        var (loss, _) = nft.Of(new ForwardBatch(x0, xt, tb, v, vOld, null, [1.5], FlowMatchingProcess.Instance, weights), total: 1);
        loss.Backward();
        var grad = v.Grad!.ToFloatArray();
        Assert.Equal(0, grad[2]);
        Assert.Equal(0, grad[3]);

        static Tensor Row(Tensor x) => x.Narrow(2, 0, 1);
        var (rowLoss, _) = nft.Of(new ForwardBatch(Row(x0), Row(xt), tb, Row(v.Detach()), Row(vOld), null, [1.5],
            FlowMatchingProcess.Instance), total: 1);
        Assert.Equal(rowLoss.Item(), loss.Item(), 4);

        // all-ones weights are the unweighted loss exactly
        var ones = Torch.Ones([1, 1, 2, 2]);
        var (plain, _) = nft.Of(new ForwardBatch(x0, xt, tb, v.Detach(), vOld, null, [1.5], FlowMatchingProcess.Instance), total: 1);
        var (weighted, _) = nft.Of(new ForwardBatch(x0, xt, tb, v.Detach(), vOld, null, [1.5], FlowMatchingProcess.Instance, ones),
            total: 1);
        Assert.Equal(plain.Item(), weighted.Item(), 6);
    }
}
