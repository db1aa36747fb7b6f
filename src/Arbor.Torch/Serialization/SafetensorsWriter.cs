using System.Buffers;
using System.Buffers.Binary;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Arbor.Tensors.Serialization;

/// <summary>
/// Writes safetensors files: tensors in ordinal name order, offsets contiguous from 0, the header padded with
/// spaces to a multiple of 8 so every tensor's data starts 8-aligned in the file. Writing is atomic: the bytes
/// go to <c>path + ".tmp"</c>, are flushed to disk, and only then renamed over <c>path</c>, so a crash or an
/// exception leaves either the old file or the new one, never a torn one. Two saves racing to the same path
/// do not corrupt each other: the temporary file is locked, so the second fails with an IOException.
/// (The directory entry itself is not fsynced: after a power loss the rename may be lost, leaving the old file.)
/// </summary>
internal static class SafetensorsWriter
{
    /// <summary>One tensor to write: its header fields and a callback that writes exactly <see cref="ByteLength"/> bytes.</summary>
    internal sealed record Item(string Name, DType DType, long[] Shape, long ByteLength, Action<Stream> WriteData);

    private static readonly JsonWriterOptions JsonOptions = new()
    {
        // Non-ASCII names stay readable UTF-8 instead of \u escapes; the header is valid JSON either way.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>Suffix of the temporary file the data is written to before the rename.</summary>
    internal const string TempSuffix = ".tmp";

    internal static void Write(string path, IEnumerable<Item> items, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(path);
        var sorted = Validate(items);
        var header = BuildHeader(sorted, metadata);

        var fullPath = Path.GetFullPath(path);
        var tmp = fullPath + TempSuffix;
        // FileShare.None locks the temporary file: a concurrent save to the same path fails here, before it could
        // truncate or delete the temporary file of the save already in progress.
        var stream = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        bool moved = false;
        try
        {
            using (stream)
            {
                Span<byte> prefix = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
                stream.Write(prefix);
                stream.Write(header);
                foreach (var item in sorted)
                {
                    long before = stream.Position;
                    item.WriteData(stream);
                    long written = stream.Position - before;
                    if (written != item.ByteLength)
                    {
                        throw new InvalidOperationException(
                            $"tensor '{item.Name}' wrote {written} bytes, its header entry promised {item.ByteLength}");
                    }
                }
                // Durability before visibility: the rename must never expose data still in the page cache only.
                stream.Flush(flushToDisk: true);
                // Rename while still holding the lock, so no other save can reopen (and truncate) the finished
                // temporary file between our close and our rename. Windows cannot rename an open file: there the
                // rename follows the close.
                if (!OperatingSystem.IsWindows()) { File.Move(tmp, fullPath, overwrite: true); moved = true; }
            }
            if (!moved) File.Move(tmp, fullPath, overwrite: true);
        }
        catch
        {
            // Once renamed, the temporary path is no longer ours (another save may have created it anew).
            if (!moved) TryDelete(tmp);
            throw;
        }
    }

    /// <summary>Checks names, shapes and sizes, and returns the items in the order they are written (ordinal by name).</summary>
    private static List<Item> Validate(IEnumerable<Item> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var list = items.ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in list)
        {
            if (item.Name is null) throw new ArgumentException("a tensor name is null");
            if (item.Name == SafetensorsHeader.MetadataKey)
                throw new ArgumentException($"'{SafetensorsHeader.MetadataKey}' is reserved for metadata and cannot name a tensor");
            if (!seen.Add(item.Name)) throw new ArgumentException($"duplicate tensor name '{item.Name}'");
            if (!SafetensorsDTypes.TryGetCode(item.DType, out _))
            {
                throw new ArgumentException($"tensor '{item.Name}' has dtype {item.DType}, which safetensors cannot hold (supported: " +
                    $"{SafetensorsDTypes.SupportedList})");
            }
            if (item.Shape is null) throw new ArgumentException($"tensor '{item.Name}' has a null shape");
            long elements = 1;
            foreach (var d in item.Shape)
            {
                if (d < 0)
                {
                    throw new ArgumentException($"tensor '{item.Name}' has a negative dimension in shape " +
                        $"[{string.Join(", ", item.Shape)}]");
                }
                elements = checked(elements * d);
            }
            long need = checked(elements * item.DType.ElementSize());
            if (need != item.ByteLength)
            {
                throw new ArgumentException(
                    $"tensor '{item.Name}' has {item.ByteLength} bytes but shape [{string.Join(", ", item.Shape)}] of " +
                        $"{item.DType} needs {need}");
            }
        }
        list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        return list;
    }

    /// <summary>The header bytes, space-padded to a multiple of 8.</summary>
    internal static byte[] BuildHeader(IReadOnlyList<Item> sorted, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(SafetensorsHeader.MetadataKey);
                foreach (var (key, value) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    if (key is null || value is null) throw new ArgumentException("metadata keys and values must not be null");
                    json.WriteString(key, value);
                }
                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var item in sorted)
            {
                json.WriteStartObject(item.Name);
                json.WriteString("dtype", SafetensorsDTypes.ToCode(item.DType));
                json.WriteStartArray("shape");
                foreach (var d in item.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                offset = checked(offset + item.ByteLength);
                json.WriteNumberValue(offset);
                json.WriteEndArray();
                json.WriteEndObject();
            }
            json.WriteEndObject();
        }

        int length = buffer.WrittenCount;
        int padded = (length + 7) & ~7;
        if (padded > SafetensorsHeader.MaxHeaderBytes)
        {
            throw new ArgumentException($"the header would be {padded} bytes, above the {SafetensorsHeader.MaxHeaderBytes}-byte " +
                $"limit readers enforce");
        }
        var header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(length).Fill((byte)' ');
        return header;
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }
}
