using Arbor.Models;
using Arbor.Rewards;
using Arbor.Shapes;
using Arbor.Strategies;
using Arbor.Tensors;
using Arbor.Tests.Shapes;
using Arbor.Training;

namespace Arbor.Tests.Rewards;

public class ShapesObjectCreditTests
{
    private static (VerificationResult Result, sbyte[] Signs) Credit(string prompt, string rendered, int extra = 0)
    {
        var image = ShapesTestKit.Render(PromptSpec.Parse(rendered), 7, extraObjects: extra).Image;
        return (ShapesTestKit.Verifier.Verify(image, prompt), new ShapesObjectCredit().Of(image, prompt));
    }

    [Fact]
    public void EachObjectGetsTheVerdictOfTheClauseItMatches()
    {
        Assert.Equal([ObjectVerdict.Asked], Credit("a red circle", "a red circle").Result.ObjectVerdicts);
        Assert.Equal([ObjectVerdict.Wrong], Credit("a red circle", "a blue circle").Result.ObjectVerdicts);
        Assert.Equal([ObjectVerdict.Wrong], Credit("a red circle", "a red square").Result.ObjectVerdicts);
        // four full matches of a clause asking for three: one is extra, the verifier cannot say which
        Assert.All(Credit("three circles", "four circles").Result.ObjectVerdicts, v => Assert.Equal(ObjectVerdict.Surplus, v));
        Assert.All(Credit("three circles", "two circles").Result.ObjectVerdicts, v => Assert.Equal(ObjectVerdict.Asked, v));
        // one clause right and one wrong: the circle asked, the cross wrong
        var (mixed, _) = Credit("a red circle and a yellow cross", "a red circle and a blue cross");
        var byShape = mixed.Detections.Objects.Zip(mixed.ObjectVerdicts).ToDictionary(p => p.First.Shape!.Value, p => p.Second);
        Assert.Equal(ObjectVerdict.Asked, byShape[ShapeKind.Circle]);
        Assert.Equal(ObjectVerdict.Wrong, byShape[ShapeKind.Cross]);
    }

    [Fact]
    public void TheSignsMarkEachObjectsPaddedBoxAndLeaveTheBackgroundAtZero()
    {
        var (result, signs) = Credit("a red circle and a yellow cross", "a red circle and a blue cross");
        Assert.Equal(32 * 32, signs.Length);
        foreach (var (obj, verdict) in result.Detections.Objects.Zip(result.ObjectVerdicts))
        {
            int x = (int)obj.CenterX, y = (int)obj.CenterY;
            Assert.Equal(verdict == ObjectVerdict.Asked ? 1 : -1, signs[(y * 32) + x]);
        }
        Assert.Equal(0, signs[0]);   // the corner is background in this scene
        Assert.Contains(signs, s => s == 1);
        Assert.Contains(signs, s => s == -1);
        Assert.True(signs.Count(s => s == 0) > 32 * 32 / 2, "most of a two-object image is background");
        // a passing image has no wrong pixel, a surplus object no sign at all
        Assert.DoesNotContain(Credit("a red circle", "a red circle").Signs, s => s < 0);
        Assert.All(Credit("three circles", "four circles").Signs, s => Assert.Equal(0, s));
    }

    [Fact]
    public void TheAdvantageMapKeepsTheImagesAdvantageExceptWhereItsSignContradictsThePixels()
    {
        sbyte[] signs = [1, -1, 0];
        Assert.Equal([0f, -1.5f, -1.5f], AdvantageMaps.Of(-1.5, signs));
        Assert.Equal([2f, 0f, 2f], AdvantageMaps.Of(2, signs));
    }

    [Fact]
    public void NftWithAMapOfTheImagesOwnAdvantageIsTheLossWithoutOne()
    {
        var nft = new NftLoss(new NftConfig { Steps = 4, RefWeight = 0 }, advantageClip: 5);
        using var scope = Torch.NewScope();
        using var gen = new Generator(3);
        Tensor R(params long[] shape) => Torch.Randn(shape, gen);
        var (x0, xt, v, vOld) = (R(2, 3, 4, 4), R(2, 3, 4, 4), R(2, 3, 4, 4), R(2, 3, 4, 4));
        var tb = Torch.FromArray(new float[] { 0.3f, 0.8f }, [2, 1, 1, 1]);
        double[] a = [1.5, -0.7];
        var uniform = Torch.FromArray([.. Enumerable.Repeat(1.5f, 16), .. Enumerable.Repeat(-0.7f, 16)], [2, 1, 4, 4]);
        var (plain, _) = nft.Of(new ForwardBatch(x0, xt, tb, v, vOld, null, a, FlowMatchingProcess.Instance), total: 2);
        var (mapped, _) = nft.Of(new ForwardBatch(x0, xt, tb, v, vOld, null, a, FlowMatchingProcess.Instance, AdvantageMap: uniform), 2);
        Assert.Equal(plain.Item(), mapped.Item(), 5);

        // at θ = θ_old (the first update) a pixel whose advantage is 0 has r = ½ and its two terms cancel: no gradient
        // there, while the pixels that keep the image's advantage get one
        var vGrad = vOld.Detach().RequiresGradInPlace();
        var half = Torch.FromArray([.. Enumerable.Range(0, 32).Select(k => k % 2 == 0 ? 0f : 1.5f)], [2, 1, 4, 4]);
        var (loss, _) = nft.Of(new ForwardBatch(x0, xt, tb, vGrad, vOld, null, a, FlowMatchingProcess.Instance, AdvantageMap: half), 2);
        loss.Backward();
        var grad = vGrad.Grad!.ToFloatArray();   // [2, 3, 4, 4]: pixel k of sample n, channel c at (n·3 + c)·16 + k
        for (int n = 0; n < 2; n++)
        {
            for (int c = 0; c < 3; c++)
            {
                for (int k = 0; k < 16; k++)
                {
                    float g = grad[((n * 3) + c) * 16 + k];
                    if (k % 2 == 0) Assert.Equal(0f, g);
                    else Assert.NotEqual(0f, g);
                }
            }
        }
    }

    [Fact]
    public void DenseCreditIsNftsAndAwmRefusesIt()
    {
        Assert.Empty(new NftConfig { PixelCredit = PixelCredit.ShapesObjects }.Problems());
        Assert.Contains(new AwmConfig { PixelCredit = PixelCredit.ShapesObjects }.Problems(), p => p.StartsWith("awm.pixel_credit"));
        var c = Arbor.Configuration.ConfigLoader.Parse<GrpoTrainConfig>("strategy: nft\nnft:\n  pixel_credit: shapes_objects\n");
        Assert.Equal(PixelCredit.ShapesObjects, c.Nft.PixelCredit);
    }
}
