using Arbor.Tensors.NN;

namespace Arbor.Tensors.Tests.NN;

public class ModuleTests
{
    // A nested module in the shape of a transformer: names must come out exactly as a reader expects.
    private sealed class Attention : Module
    {
        public Attention(long dim)
        {
            Qkv = RegisterModule("qkv", new Linear(dim, 3 * dim));
            Proj = RegisterModule("proj", new Linear(dim, dim, bias: false));
        }
        public Linear Qkv { get; }
        public Linear Proj { get; }
    }

    private sealed class Block : Module
    {
        public Block(long dim)
        {
            RegisterModule("norm", new LayerNorm(dim));
            RegisterModule("attn", new Attention(dim));
            RegisterModule("mlp", new Sequential(new Linear(dim, 2 * dim), Activation.Gelu(), new Linear(2 * dim, dim)));
        }
    }

    private sealed class Net : Module
    {
        public Net()
        {
            RegisterModule("embed", new Embedding(10, 4));
            RegisterModule("blocks", new ModuleList<Block>([new Block(4), new Block(4)]));
            RegisterBuffer("pos", Torch.Zeros([1, 3, 4]));
        }
    }

    [Fact]
    public void NestedStateDictNamesAndShapesMatchTheExpectedListing()
    {
        using var net = new Net();
        var listing = net.StateDict().Select(kv => $"{kv.Key} [{string.Join(",", kv.Value.Shape)}]").ToArray();
        string[] BlockParameters(int i) =>
        [
            $"blocks.{i}.norm.weight [4]", $"blocks.{i}.norm.bias [4]",
            $"blocks.{i}.attn.qkv.weight [12,4]", $"blocks.{i}.attn.qkv.bias [12]",
            $"blocks.{i}.attn.proj.weight [4,4]",
            $"blocks.{i}.mlp.0.weight [8,4]", $"blocks.{i}.mlp.0.bias [8]",
            $"blocks.{i}.mlp.2.weight [4,8]", $"blocks.{i}.mlp.2.bias [4]",
        ];
        string[] expected = ["embed.weight [10,4]", .. BlockParameters(0), .. BlockParameters(1), "pos [1,3,4]"];
        Assert.Equal(expected, listing);
        Assert.Equal(10 * 4 + 2 * (4 + 4 + 48 + 12 + 16 + 32 + 8 + 32 + 4), net.ParameterCount());
    }

    [Fact]
    public void LoadStateDictCopiesValuesAndReportsProblemsByKey()
    {
        using var a = new Linear(3, 2);
        using var b = new Linear(3, 2);
        b.LoadStateDict(a.StateDict());
        Assert.Equal(a.Weight.ToFloatArray(), b.Weight.ToFloatArray());

        using var scope = Torch.NewScope();
        var wrongShape = new Dictionary<string, Tensor> { ["weight"] = Torch.Zeros([2, 4]), ["bias"] = Torch.Zeros([2]) };
        var e = Assert.Throws<ArgumentException>(() => b.LoadStateDict(wrongShape));
        Assert.Contains("'weight'", e.Message);
        Assert.Contains("[2, 3]", e.Message);
        var missing = new Dictionary<string, Tensor> { ["weight"] = Torch.Zeros([2, 3]) };
        Assert.Contains("missing key 'bias'", Assert.Throws<ArgumentException>(() => b.LoadStateDict(missing)).Message);
        var extra = new Dictionary<string, Tensor>
        {
            ["weight"] = Torch.Zeros([2, 3]), ["bias"] = Torch.Zeros([2]), ["gamma"] = Torch.Zeros([1])
        };
        Assert.Contains("unexpected key 'gamma'", Assert.Throws<ArgumentException>(() => b.LoadStateDict(extra)).Message);
        // a failed load changes nothing
        Assert.Equal(a.Weight.ToFloatArray(), b.Weight.ToFloatArray());
        b.LoadStateDict(missing, strict: false);
        Assert.All(b.Weight.ToFloatArray(), v => Assert.Equal(0f, v));
    }

    [Fact]
    public void FreezeTrainEvalAndToKeepIdentity()
    {
        using var net = new Net();
        Assert.All(net.Parameters(), p => Assert.True(p.RequiresGrad));
        var firstBlock = net.NamedModules().First(m => m.Name == "blocks.0").Module;
        firstBlock.Freeze();
        Assert.Equal(net.NamedParameters().Count(p => !p.Name.StartsWith("blocks.0.")), net.NamedParameters(trainableOnly: true).Count());
        net.Eval();
        Assert.All(net.NamedModules(), m => Assert.False(m.Module.Training));
        net.Train();
        Assert.All(net.NamedModules(), m => Assert.True(m.Module.Training));

        var embed = net.StateDict()["embed.weight"];
        var before = embed.ToFloatArray();
        net.To(Device.Cpu, DType.Float64);
        Assert.Equal(DType.Float64, net.StateDict()["embed.weight"].DType);
        Assert.Same(embed, net.StateDict()["embed.weight"]);
        Assert.Equal(before, embed.ToFloatArray());
        Assert.True(embed.RequiresGrad);
    }

    [Fact]
    public void DropoutIsIdentityInEvalAndZeroesInTraining()
    {
        using var scope = Torch.NewScope();
        var d = new Dropout(0.5);
        var x = Torch.Ones([1000]);
        d.Eval();
        Assert.Equal(x.ToFloatArray(), d.Forward(x).ToFloatArray());
        d.Train();
        var y = d.Forward(x).ToFloatArray();
        Assert.All(y, v => Assert.True(v == 0f || v == 2f));
        Assert.InRange(y.Count(v => v == 0f), 400, 600);
    }

    [Fact]
    public void ModuleDisposeFreesItsTensors()
    {
        long before = Torch.UnreleasedTensors;
        var net = new Net();
        Assert.True(Torch.UnreleasedTensors > before);
        net.Dispose();
        Assert.Equal(before, Torch.UnreleasedTensors);
    }

    [Fact]
    public void DuplicateOrDottedNamesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new BadNames(0));
        Assert.Throws<ArgumentException>(() => new BadNames(1));
    }

    private sealed class BadNames : Module
    {
        public BadNames(int which)
        {
            if (which == 0) { RegisterBuffer("a", Torch.Zeros([1])); RegisterBuffer("a", Torch.Zeros([1])); }
            else
            {
                RegisterBuffer("a.b", Torch.Zeros([1]));
            }
        }
    }
}
