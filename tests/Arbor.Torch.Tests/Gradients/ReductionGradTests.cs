using static Arbor.Tensors.Tests.Gradients.GradCheck;

namespace Arbor.Tensors.Tests.Gradients;

public class ReductionGradTests
{
    private static readonly Dictionary<string, Func<Tensor, Tensor>> Reductions = new()
    {
        ["sum"] = x => x.Sum(),
        ["sum(1)"] = x => x.Sum(1),
        ["sum(-1,keep)"] = x => x.Sum(-1, keepDim: true),
        ["sum([0,2])"] = x => x.Sum([0, 2]),
        ["sum([0,2],keep)"] = x => x.Sum([0, 2], keepDim: true),
        ["mean"] = x => x.Mean(),
        ["mean(0)"] = x => x.Mean(0),
        ["mean(2,keep)"] = x => x.Mean(2, keepDim: true),
        ["mean([1,2])"] = x => x.Mean([1, 2]),
        ["var unbiased"] = x => x.Var(),
        ["var biased"] = x => x.Var(unbiased: false),
        ["var(1) unbiased"] = x => x.Var(1),
        ["var(1) biased keep"] = x => x.Var(1, unbiased: false, keepDim: true),
        ["var([0,2]) unbiased keep"] = x => x.Var([0, 2], keepDim: true),
        ["std unbiased"] = x => x.Std(),
        ["std biased"] = x => x.Std(unbiased: false),
        ["std(2) unbiased keep"] = x => x.Std(2, keepDim: true),
        ["std(0) biased"] = x => x.Std(0, unbiased: false),
        ["std([1,2]) unbiased"] = x => x.Std([1, 2]),
        ["max"] = x => x.Max(),
        ["max(1)"] = x => x.Max(1),
        ["max(2,keep)"] = x => x.Max(2, keepDim: true),
        ["min"] = x => x.Min(),
        ["min(0)"] = x => x.Min(0),
        ["min(-1,keep)"] = x => x.Min(-1, keepDim: true),
        ["logsumexp(1)"] = x => x.LogSumExp(1),
        ["logsumexp(-1,keep)"] = x => x.LogSumExp(-1, keepDim: true),
        ["norm"] = x => x.Norm(),
        ["norm(2)"] = x => x.Norm(2),
        ["norm(0,keep)"] = x => x.Norm(0, keepDim: true),
        ["prod"] = x => x.Prod(),
    };

    public static TheoryData<string> Names => new(Reductions.Keys);

    [Theory]
    [MemberData(nameof(Names))]
    public void ReductionGradientMatchesFiniteDifferences(string name)
    {
        // [2, 3, 4] with distinct values (no ties for max/min) spread on both sides of zero.
        var data = Distinct(name.Length * 31 + name[^1], 24, 0.173, -2.0);
        if (name == "prod") data = data.Select(v => Math.Sign(v) * (0.6 + 0.5 * Math.Abs(v))).ToArray(); // no factor near 0
        Check(name, t => Reductions[name](t[0]), In(data, 2, 3, 4));
    }

    [Fact]
    public void ReductionOfAComputedTensorChainsGradients()
    {
        Check("var(exp(x)) + std(sin x, 1)", t => t[0].Exp().Var() + t[0].Sin().Std(1).Sum(), Rand(150, 3, 4));
    }
}
