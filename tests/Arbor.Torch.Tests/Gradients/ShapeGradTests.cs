using static Arbor.Tensors.Tests.Gradients.GradCheck;

namespace Arbor.Tensors.Tests.Gradients;

/// <summary>
/// Shape and indexing ops. The checker weights every output element differently, so a backward that
/// routed a gradient to the wrong input element fails.
/// </summary>
public class ShapeGradTests
{
    private static readonly Dictionary<string, Func<Tensor, Tensor>> Ops = new()
    {
        ["reshape"] = x => x.Reshape(4, 6),
        ["reshape(-1)"] = x => x.Reshape(-1, 2),
        ["view"] = x => x.View(6, 4),
        ["view of transposed via contiguous"] = x => x.Transpose(0, 2).Contiguous().View(-1),
        ["permute"] = x => x.Permute(2, 0, 1),
        ["transpose"] = x => x.Transpose(0, 2),
        ["transpose(-1,-2)"] = x => x.Transpose(-1, -2),
        ["expand"] = x => x.Unsqueeze(0).Expand(3, 2, 3, 4),
        ["expand middle"] = x => x.Narrow(1, 0, 1).Expand(2, 5, 4),
        ["repeat"] = x => x.Repeat(1, 2, 1),
        ["repeat new dim"] = x => x.Repeat(2, 1, 1, 2),
        ["squeeze"] = x => x.Narrow(1, 1, 1).Squeeze(1),
        ["unsqueeze"] = x => x.Unsqueeze(-1),
        ["flatten"] = x => x.Flatten(),
        ["flatten(1)"] = x => x.Flatten(1),
        ["flatten(0,1)"] = x => x.Flatten(0, 1),
        ["contiguous"] = x => x.Permute(1, 2, 0).Contiguous(),
        ["narrow"] = x => x.Narrow(2, 1, 2),
        ["narrow(0)"] = x => x.Narrow(0, 1, 1),
        ["select"] = x => x.Select(1, 2),
        ["select(-1)"] = x => x.Select(-1, 0),
        ["indexer"] = x => x[1],
        ["flip"] = x => x.Flip(2),
        ["flip(0,1)"] = x => x.Flip(0, 1),
        ["chunk"] = x => { var c = x.Chunk(2, 2); return Torch.Cat([c[1].Exp(), c[0] * 3], 2); },
        ["chunk uneven"] = x => { var c = x.Chunk(2, 1); return Torch.Cat([c[1].Sin(), c[0]], 1); },
        ["split"] = x => { var s = x.Split(3, 2); return Torch.Cat([s[1].Square(), s[0]], 2); },
        ["split(1) last piece"] = x => x.Split(2, 1)[1].Tanh(),
    };

    public static TheoryData<string> Names => new(Ops.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void ShapeOpGradientMatchesFiniteDifferences(string name)
    {
        Check(name, t => Ops[name](t[0]), Rand(name.Length * 17 + name[0], 2, 3, 4));
    }

    [Fact]
    public void IndexSelectWithRepeatedIndicesAccumulates()
    {
        using var scope = Torch.NewScope();
        var idx = Torch.FromArray(new long[] { 2, 0, 2, 2 });
        Check("index_select(0)", t => t[0].IndexSelect(0, idx), Rand(160, 3, 2));
        var idx1 = Torch.FromArray(new long[] { 1, 1, 3 });
        Check("index_select(1)", t => t[0].IndexSelect(1, idx1), Rand(161, 2, 4));
    }

    [Fact]
    public void GatherGradientScattersBack()
    {
        using var scope = Torch.NewScope();
        var idx = Torch.FromArray(new long[] { 0, 2, 2, 1, 1, 1 }, [2, 3]);
        Check("gather(1)", t => t[0].Gather(1, idx), Rand(162, 2, 3));
        var idx0 = Torch.FromArray(new long[] { 1, 0, 1, 1 }, [2, 2]);
        Check("gather(0)", t => t[0].Gather(0, idx0), Rand(163, 2, 3));
    }

    [Fact]
    public void CatGradientsForEveryPiece()
    {
        Check("cat(0)", t => Torch.Cat([t[0], t[1], t[2]], 0), Rand(164, 1, 3), Rand(165, 2, 3), Rand(166, 1, 3));
        Check("cat(-1)", t => Torch.Cat([t[0].Exp(), t[1]], -1), Rand(167, 2, 1), Rand(168, 2, 3));
        Check("cat same tensor twice", t => Torch.Cat([t[0], t[0] * 2], 1), Rand(169, 2, 2));
    }

    [Fact]
    public void StackGradientsForEveryPiece()
    {
        Check("stack(0)", t => Torch.Stack([t[0], t[1]]), Rand(170, 2, 3), Rand(171, 2, 3));
        Check("stack(2)", t => Torch.Stack([t[0], t[1].Sin(), t[2]], 2), Rand(172, 2, 3), Rand(173, 2, 3), Rand(174, 2, 3));
        Check("stack(-1)", t => Torch.Stack([t[0], t[1]], -1), Rand(175, 3), Rand(176, 3));
    }

    [Fact]
    public void ExpandOfAScalarLikeTensorSumsTheGradient()
    {
        Check("expand [1]→[3,2]", t => t[0].Expand(3, 2) * t[1], Rand(177, 1), Rand(178, 3, 2));
    }
}
