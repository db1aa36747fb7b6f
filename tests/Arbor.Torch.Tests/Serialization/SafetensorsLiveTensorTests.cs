using Arbor.Tensors.Serialization;

namespace Arbor.Tensors.Tests.Serialization;

/// <summary>
/// Torch.UnreleasedTensors counts handles process-wide, so these tests run alone: tensors created by tests running
/// in parallel would otherwise move the count under them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SafetensorsLiveTensorCollection
{
    public const string Name = "Safetensors live-tensor accounting";
}

[Collection(SafetensorsLiveTensorCollection.Name)]
public sealed class SafetensorsLiveTensorTests : IClassFixture<SafetensorsTestFiles>
{
    private readonly SafetensorsTestFiles _files;

    public SafetensorsLiveTensorTests(SafetensorsTestFiles files) => _files = files;

    /// <summary>Lets tensors leaked elsewhere be finalized now rather than in the middle of a measurement.</summary>
    private static long SettledLiveTensors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Torch.UnreleasedTensors;
    }

    [Fact]
    public void LoadingInsideAScopeFreesEverythingWhenTheScopeEnds()
    {
        var path = _files.PathFor("live.safetensors");
        using (Torch.NewScope())
            Safetensors.Save(path, SafetensorsTensorTests.Sample());

        long before = SettledLiveTensors();
        using (Torch.NewScope())
        {
            var loaded = Safetensors.Load(path);
            Assert.Equal(12, loaded.Count);
            Assert.Equal(before + 12, Torch.UnreleasedTensors);

            using var reader = Safetensors.Open(path);
            var one = reader.LoadTensor("f32");
            Assert.Equal(before + 13, Torch.UnreleasedTensors);
            one.Dispose();
            Assert.Equal(before + 12, Torch.UnreleasedTensors);
        }
        Assert.Equal(before, Torch.UnreleasedTensors);
    }

    [Fact]
    public void LoadingWithoutAScopeLeavesOwnershipToTheCaller()
    {
        var path = _files.PathFor("owned.safetensors");
        Safetensors.Save(path, [new SafetensorsRawTensor("x", DType.Float32, [2], new byte[8])]);

        long before = SettledLiveTensors();
        var loaded = Safetensors.Load(path);
        Assert.Equal(before + 1, Torch.UnreleasedTensors);
        foreach (var t in loaded.Values) t.Dispose();
        Assert.Equal(before, Torch.UnreleasedTensors);
    }
}
