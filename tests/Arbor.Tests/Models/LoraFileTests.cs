using Arbor.Models;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.TestKit;

namespace Arbor.Tests.Models;

public class LoraFileTests : IDisposable
{
    private readonly TempDirectory _temp = new("arbor-lora-");
    private readonly string _path;
    public LoraFileTests() => _path = _temp.File("lora.safetensors");
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void AdaptersRoundTripOntoAFreshBase()
    {
        using var gen = new Generator(8);
        using var trained = new FlowDiT(FlowDiTTests.Tiny, gen);
        using var fresh = new FlowDiT(FlowDiTTests.Tiny);
        fresh.LoadStateDict(trained.StateDict());
        LoraInjection.Apply(trained, @"\.(q|kv)$", rank: 3, alpha: 6, gen);
        using (Torch.NoGrad()) foreach (var (_, p) in LoraInjection.LoraParameters(trained)) p.CopyFrom(Torch.RandnLike(p, gen) * 0.2);
        LoraFile.Save(trained, _path);

        LoraFile.Load(fresh, _path);
        using var scope = Torch.NewScope();
        using var c = FlowDiTTests.Condition(trained, gen, 2);
        var x = Torch.Randn([2, 3, 8, 8], gen);
        var t = Torch.Rand([2], gen);
        Assert.Equal(trained.Velocity(x, t, c).ToFloatArray(), fresh.Velocity(x, t, c).ToFloatArray());
        Assert.Equal(6, ((LoraAdapter)fresh.NamedModules().First(m => m.Module is LoraAdapter).Module).Alpha);
    }

    [Fact]
    public void AdaptersForALayerTheModelLacksAreAnErrorNamingIt()
    {
        using var a = new FlowDiT(FlowDiTTests.Tiny);
        LoraInjection.Apply(a, @"^blocks\.1\.attn\.q$", 2, 2);
        LoraFile.Save(a, _path);
        using var smaller = new FlowDiT(FlowDiTTests.Tiny with { Depth = 1 });
        var e = Assert.Throws<ArgumentException>(() => LoraFile.Load(smaller, _path));
        Assert.Contains("'blocks.1.attn.q'", e.Message);
    }

    [Fact]
    public void AFileWithoutAdaptersIsAnErrorNamingItNotASilentBase()
    {
        // a model's weights passed as --lora: before, nothing attached and the base was sampled without a word
        using var model = new FlowDiT(FlowDiTTests.Tiny);
        var weights = model.StateDict();
        Arbor.Tensors.Serialization.Safetensors.Save(_path, weights);
        string first;
        using (var reader = Arbor.Tensors.Serialization.Safetensors.Open(_path)) first = reader.Names[0];
        var e = Assert.Throws<InvalidDataException>(() => LoraFile.Load(model, _path));
        Assert.Equal($"LoRA file '{_path}' holds no LoRA tensors (none named '<layer>.lora.A'): its {weights.Count} tensors, such as " +
            $"'{first}', are not adapters (a model's weights?)", e.Message);
        Assert.DoesNotContain(model.NamedModules(), m => m.Module is LoraAdapter);
    }
}
