using System.Buffers.Binary;
using System.Text;

namespace Arbor.Tensors.Tests.Serialization;

/// <summary>A private temporary directory per test class, removed afterwards; plus hand-assembly of safetensors bytes.</summary>
public sealed class SafetensorsTestFiles : IDisposable
{
    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "arbor-safetensors-" + Guid.NewGuid().ToString("N"));

    public SafetensorsTestFiles() => System.IO.Directory.CreateDirectory(Directory);

    public string PathFor(string fileName) => Path.Combine(Directory, fileName);

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
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }
}
