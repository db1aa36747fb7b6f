using Arbor.Tensors.NN;
using static Arbor.Tensors.Tests.Gradients.GradCheck;

namespace Arbor.Tensors.Tests.Gradients;

public class AttentionGradTests
{
    public static TheoryData<bool, bool> Paths => new()
    {
        { false, false }, { false, true }, { true, false }, { true, true },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public void SdpaGradientForQueryKeyValue(bool forceComposite, bool causal)
    {
        // [batch 2, L 3, d 4] queries; keys/values of length 3 (square, so causal is unambiguous).
        Check($"sdpa composite={forceComposite} causal={causal}",
            t => F.ScaledDotProductAttention(t[0], t[1], t[2], causal: causal, forceComposite: forceComposite),
            Rand(130, 2, 3, 4), Rand(131, 2, 3, 4), Rand(132, 2, 3, 2));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SdpaGradientWithFloatMask(bool forceComposite)
    {
        using var scope = Torch.NewScope();
        var mask = Torch.FromArray(new double[] { 0, -1.5, 0.7, 0.3, 0, -0.4, -2, 1.1, 0, 0.2, -0.6, 0 }, [3, 4]);
        Check($"sdpa float mask composite={forceComposite}",
            t => F.ScaledDotProductAttention(t[0], t[1], t[2], mask, forceComposite: forceComposite),
            Rand(133, 2, 3, 4), Rand(134, 2, 4, 4), Rand(135, 2, 4, 3));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SdpaGradientWithBoolMaskAndHeads(bool forceComposite)
    {
        using var scope = Torch.NewScope();
        // true = attend; every row keeps at least one key.
        var mask = Torch.FromArray(new[] { true, false, true, true, true, false, false, true, true }, [3, 3]);
        Check($"sdpa bool mask 4-D composite={forceComposite}",
            t => F.ScaledDotProductAttention(t[0], t[1], t[2], mask, forceComposite: forceComposite),
            Rand(136, 1, 2, 3, 2), Rand(137, 1, 2, 3, 2), Rand(138, 1, 2, 3, 2));
    }

    [Fact]
    public void ComposedAttentionByHandHasTheSameGradient()
    {
        // The reference, built from primitive ops: softmax(q·kᵀ/√d)·v.
        Check("attention by hand", t => (t[0].Matmul(t[1].Transpose(-2, -1)) / Math.Sqrt(4)).Softmax(-1).Matmul(t[2]),
            Rand(139, 2, 3, 4), Rand(140, 2, 3, 4), Rand(141, 2, 3, 2));
    }
}
