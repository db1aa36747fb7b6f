using System.Buffers.Binary;
using System.Text;
using Arbor.TestKit;

namespace Arbor.Tensors.Tests.Serialization;

/// <summary>A private temporary directory per test class, removed afterwards; plus hand-assembly of safetensors bytes.</summary>
public sealed class SafetensorsTestFiles : IDisposable
{
    private readonly TempDirectory _temp = new("arbor-safetensors-");

    public string Directory => _temp.Path;

    public string PathFor(string fileName) => _temp.File(fileName);

    /// <summary>
    /// Assembles a file exactly as the specification describes it: u64 little-endian N, N header bytes
    /// (the JSON, space-padded to a multiple of 8 unless <paramref name="pad"/> is false), then <paramref name="data"/>.
    /// </summary>
    public static byte[] Assemble(string headerJson, ReadOnlySpan<byte> data, bool pad = true)
    {
        var json = Encoding.UTF8.GetBytes(headerJson);
        int n = pad ? (json.Length + 7) / 8 * 8 : json.Length;
        var file = new byte[8 + n + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, (ulong)n);
        json.CopyTo(file, 8);
        file.AsSpan(8 + json.Length, n - json.Length).Fill((byte)' ');
        data.CopyTo(file.AsSpan(8 + n));
        return file;
    }

    public string Write(string fileName, byte[] bytes)
    {
        var path = PathFor(fileName);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        // a class fixture: a file left behind is not a failure of the tests that used it
        try { _temp.Dispose(); }
        catch (IOException) { }
    }
}
