using System.Buffers;
using Arbor.Tensors.Serialization;

namespace Arbor.Tensors.Tests.Serialization;

/// <summary>Saving goes through path + ".tmp" and a rename: readers see the old file or the new one, never a torn one.</summary>
public sealed class SafetensorsAtomicWriteTests : IClassFixture<SafetensorsTestFiles>
{
    private readonly SafetensorsTestFiles _files;

    public SafetensorsAtomicWriteTests(SafetensorsTestFiles files) => _files = files;

    private static SafetensorsRawTensor Bytes(string name, params byte[] data) => new(name, DType.UInt8, [data.Length], data);

    [Fact]
    public void SaveLeavesNoTemporaryFile()
    {
        var path = _files.PathFor("clean.safetensors");
        Safetensors.Save(path, [Bytes("x", 1, 2, 3)]);
        Assert.True(File.Exists(path));
        Assert.False(File.Exists(path + ".tmp"));
        Assert.Equal(["clean.safetensors"], Directory.GetFiles(_files.Directory, "clean*").Select(Path.GetFileName));
    }

    [Fact]
    public void SavingOverAnExistingFileReplacesIt()
    {
        var path = _files.PathFor("replace.safetensors");
        Safetensors.Save(path, [Bytes("old", 1, 2, 3, 4, 5, 6, 7, 8, 9)], new Dictionary<string, string> { ["v"] = "1" });
        Safetensors.Save(path, [Bytes("new", 42)], new Dictionary<string, string> { ["v"] = "2" });

        using var reader = new SafetensorsReader(path);
        Assert.Equal(["new"], reader.Names);
        Assert.Equal("2", reader.Metadata["v"]);
        Assert.Equal(new byte[] { 42 }, reader.GetBytes("new").ToArray());
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void StaleTemporaryFileFromACrashIsOverwrittenAndRemoved()
    {
        var path = _files.PathFor("stale.safetensors");
        File.WriteAllBytes(path + ".tmp", new byte[4096]); // debris of an interrupted save
        Safetensors.Save(path, [Bytes("x", 5)]);
        Assert.False(File.Exists(path + ".tmp"));
        using var reader = new SafetensorsReader(path);
        Assert.Equal(5, reader.GetBytes("x")[0]);
    }

    [Fact]
    public void FailureMidWriteKeepsThePreviousFileIntact()
    {
        var path = _files.PathFor("midwrite.safetensors");
        Safetensors.Save(path, [Bytes("kept", 1, 2, 3)]);
        var before = File.ReadAllBytes(path);

        // "a" is written, then reading "b"'s bytes fails: the temporary file is half written at that point.
        var failing = new FailingMemory(16).Memory;
        var e = Assert.Throws<IOException>(() => Safetensors.Save(path,
            [Bytes("a", 9, 9, 9), new SafetensorsRawTensor("b", DType.UInt8, [16], failing)]));
        Assert.Equal("simulated failure", e.Message);

        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void OpenReaderKeepsSeeingTheOldFileAcrossAReplace()
    {
        var path = _files.PathFor("mapped.safetensors");
        Safetensors.Save(path, [Bytes("x", 1, 1, 1, 1)]);
        using var oldReader = new SafetensorsReader(path);
        Safetensors.Save(path, [Bytes("x", 2, 2, 2, 2)]);
        using var newReader = new SafetensorsReader(path);
        Assert.Equal(new byte[] { 1, 1, 1, 1 }, oldReader.GetBytes("x").ToArray());
        Assert.Equal(new byte[] { 2, 2, 2, 2 }, newReader.GetBytes("x").ToArray());
    }

    [Fact]
    public void ConcurrentSaveToTheSamePathFailsWithoutHarmingTheOneInProgress()
    {
        var path = _files.PathFor("racing.safetensors");
        Safetensors.Save(path, [Bytes("x", 1)]);
        var before = File.ReadAllBytes(path);

        // Another save holds the temporary file (as Save does while writing).
        using (var inProgress = new FileStream(path + ".tmp", FileMode.Create, FileAccess.Write, FileShare.None))
        {
            inProgress.Write([7, 7, 7]);
            inProgress.Flush();
            Assert.ThrowsAny<IOException>(() => Safetensors.Save(path, [Bytes("x", 2)]));
            Assert.Equal(3, new FileInfo(path + ".tmp").Length); // neither truncated nor deleted
        }
        Assert.Equal(before, File.ReadAllBytes(path));
        File.Delete(path + ".tmp");
    }

    /// <summary>Memory of a declared length whose contents cannot be read: simulates an I/O error mid-save.</summary>
    private sealed class FailingMemory(int length) : MemoryManager<byte>
    {
        public override Memory<byte> Memory => CreateMemory(length);
        public override Span<byte> GetSpan() => throw new IOException("simulated failure");
        public override MemoryHandle Pin(int elementIndex = 0) => throw new IOException("simulated failure");
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }
    }
}
