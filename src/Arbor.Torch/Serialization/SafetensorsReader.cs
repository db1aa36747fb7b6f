using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;

namespace Arbor.Tensors.Serialization;

/// <summary>
/// Read access to a safetensors file through a read-only memory mapping: opening costs one header parse, and
/// tensor bytes are paged in only when asked for, so a large checkpoint can be inspected, or loaded tensor by
/// tensor, without reading it whole. The header is validated completely at open (see
/// <see cref="SafetensorsFormatException"/>); after that every name maps to a range known to lie in the file.
/// </summary>
/// <remarks>
/// Spans from <see cref="GetBytes"/> point into the mapping and are valid only until <see cref="Dispose"/>.
/// The mapping keeps the opened file alive even if
/// <see cref="Safetensors.Save(string, IEnumerable{KeyValuePair{string, Tensor}}, IReadOnlyDictionary{string, string}?)"/>
/// atomically replaces the path meanwhile; truncating the file in place from another process, however, is
/// outside what any mapping can survive. Reads may run concurrently; Dispose must not race them.
/// </remarks>
public sealed unsafe class SafetensorsReader : IDisposable
{
    private readonly SafetensorsHeader _header;
    private readonly IReadOnlyList<string> _names;
    private MemoryMappedFile? _map;
    private MemoryMappedViewAccessor? _view;
    private bool _pointerAcquired;
    private byte* _data; // start of the data buffer, i.e. file offset 8 + N

    /// <summary>Opens and validates <paramref name="path"/>; throws
    /// <see cref="SafetensorsFormatException"/> if it breaks the format.</summary>
    public SafetensorsReader(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        FilePath = Path.GetFullPath(path);
        // FileShare.Delete lets a writer rename a new version over this path while we read the old one.
        var stream = new FileStream(FilePath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        try
        {
            long fileLength = stream.Length;
            if (fileLength < 8)
            {
                throw new SafetensorsFormatException(FilePath, null,
                    $"the file is {fileLength} bytes, shorter than the 8-byte header length prefix (truncated or not safetensors)");
            }

            // The mapping takes ownership of the stream from here on.
            _map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read,
                HandleInheritability.None, leaveOpen: false);
            stream = null;
            _view = _map.CreateViewAccessor(0, fileLength, MemoryMappedFileAccess.Read);
            byte* start = null;
            _view.SafeMemoryMappedViewHandle.AcquirePointer(ref start);
            _pointerAcquired = true;
            start += _view.PointerOffset;

            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(new ReadOnlySpan<byte>(start, 8));
            if (headerLength > SafetensorsHeader.MaxHeaderBytes)
            {
                throw new SafetensorsFormatException(FilePath, null,
                    $"header length {headerLength} is larger than the {SafetensorsHeader.MaxHeaderBytes}-byte limit (corrupt " +
                        $"or not safetensors)");
            }
            if (headerLength > (ulong)(fileLength - 8))
            {
                throw new SafetensorsFormatException(FilePath, null,
                    $"header length {headerLength} exceeds the {fileLength - 8} bytes that follow the length prefix: the file is " +
                        $"truncated or not safetensors");
            }

            int n = (int)headerLength;
            long dataLength = fileLength - 8 - n;
            _header = SafetensorsHeader.Parse(new ReadOnlySpan<byte>(start + 8, n), dataLength, FilePath);
            _data = start + 8 + n;
            DataLength = dataLength;
            HeaderLength = n;
            var names = _header.EntriesByName.Keys.ToArray();
            Array.Sort(names, StringComparer.Ordinal);
            _names = Array.AsReadOnly(names);
        }
        catch
        {
            stream?.Dispose();
            Dispose();
            throw;
        }
    }

    /// <summary>Full path of the opened file.</summary>
    public string FilePath { get; }

    /// <summary>N, the length of the JSON header in bytes (padding included).</summary>
    public long HeaderLength { get; }

    /// <summary>Size of the data buffer that follows the header.</summary>
    public long DataLength { get; }

    /// <summary>The "__metadata__" map; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata => _header.Metadata;

    /// <summary>Tensor names in ordinal order (the order <see cref="Safetensors"/> writes them).</summary>
    public IReadOnlyList<string> Names => _names;

    public int Count => _names.Count;

    /// <summary>All entries in the order their bytes appear in the data buffer.</summary>
    public IReadOnlyList<SafetensorsEntry> Entries => _header.EntriesByOffset;

    public bool Contains(string name) => _header.EntriesByName.ContainsKey(name);

    public bool TryGetEntry(string name, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out SafetensorsEntry entry) =>
        _header.EntriesByName.TryGetValue(name, out entry);

    /// <summary>The header entry for <paramref name="name"/>; a
    /// <see cref="KeyNotFoundException"/> naming the key and file if absent.</summary>
    public SafetensorsEntry Entry(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_header.EntriesByName.TryGetValue(name, out var entry)) return entry;
        throw new KeyNotFoundException($"no tensor '{name}' in safetensors file '{FilePath}' ({Count} tensors)");
    }

    /// <summary>
    /// The raw little-endian, row-major bytes of <paramref name="name"/>, straight from the mapping (no copy).
    /// Valid until this reader is disposed.
    /// </summary>
    public ReadOnlySpan<byte> GetBytes(string name) => Bytes(Entry(name));

    private ReadOnlySpan<byte> Bytes(SafetensorsEntry entry)
    {
        ObjectDisposedException.ThrowIf(_data == null, this);
        if (entry.ByteLength > int.MaxValue)
        {
            throw new NotSupportedException(
                $"tensor '{entry.Name}' in '{FilePath}' is {entry.ByteLength} bytes; a span holds at most {int.MaxValue}");
        }
        return new ReadOnlySpan<byte>(_data + entry.Begin, (int)entry.ByteLength);
    }

    /// <summary>
    /// A new tensor holding a copy of <paramref name="name"/>, on <paramref name="device"/> (CPU by default).
    /// Ownership follows the usual rule: the current <see cref="TensorScope"/>, or the caller when there is none.
    /// </summary>
    public Tensor LoadTensor(string name, Device? device = null)
    {
        var entry = Entry(name);
        var tensor = Torch.FromBytes(Bytes(entry), entry.DType, entry.Shape, device);
        GC.KeepAlive(this);
        return tensor;
    }

    /// <summary>
    /// Every tensor, keyed by name. On failure the tensors loaded so far are disposed, so nothing leaks even
    /// outside a scope.
    /// </summary>
    public Dictionary<string, Tensor> LoadAll(Device? device = null)
    {
        var result = new Dictionary<string, Tensor>(_names.Count, StringComparer.Ordinal);
        try
        {
            foreach (var name in _names) result.Add(name, LoadTensor(name, device));
            return result;
        }
        catch
        {
            foreach (var t in result.Values) t.Dispose();
            throw;
        }
    }

    /// <summary>Unmaps the file; spans obtained from <see cref="GetBytes"/> become invalid.</summary>
    public void Dispose()
    {
        _data = null;
        if (_pointerAcquired)
        {
            _view!.SafeMemoryMappedViewHandle.ReleasePointer();
            _pointerAcquired = false;
        }
        _view?.Dispose();
        _view = null;
        _map?.Dispose();
        _map = null;
    }
}
