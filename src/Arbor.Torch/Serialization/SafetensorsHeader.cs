using System.Text.Json;

namespace Arbor.Tensors.Serialization;

/// <summary>
/// A parsed and fully validated safetensors header. Validation is all-or-nothing and happens before any
/// tensor byte is touched, so a reader that opened successfully can hand out spans without further checks:
/// every entry has a known dtype, a non-negative shape, and a byte range that lies inside the data buffer
/// and matches its shape; together the ranges tile the buffer exactly (no overlap, no hole), as the format
/// requires.
/// </summary>
internal sealed class SafetensorsHeader
{
    /// <summary>Largest header accepted (the reference implementation's limit): bounds the JSON parse of hostile files.</summary>
    internal const long MaxHeaderBytes = 100_000_000;

    /// <summary>The reserved key holding string-to-string metadata rather than a tensor.</summary>
    internal const string MetadataKey = "__metadata__";

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    private SafetensorsHeader(List<SafetensorsEntry> byOffset, Dictionary<string, SafetensorsEntry> byName,
                              Dictionary<string, string> metadata)
    {
        // Read-only wrappers: the reader hands these out, and callers must not be able to edit a validated header.
        EntriesByOffset = byOffset.AsReadOnly();
        EntriesByName = byName.AsReadOnly();
        Metadata = metadata.AsReadOnly();
    }

    /// <summary>Entries in data-buffer order.</summary>
    internal IReadOnlyList<SafetensorsEntry> EntriesByOffset { get; }

    internal IReadOnlyDictionary<string, SafetensorsEntry> EntriesByName { get; }

    internal IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Parses <paramref name="json"/> (the N header bytes, trailing space padding included) for a data buffer of
    /// <paramref name="dataLength"/> bytes. Throws <see cref="SafetensorsFormatException"/> naming
    /// <paramref name="filePath"/> on any violation.
    /// </summary>
    internal static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string filePath)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json.ToArray(), JsonOptions);
        }
        catch (JsonException e)
        {
            throw new SafetensorsFormatException(filePath, null, $"the header is not valid JSON ({e.Message})", e);
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SafetensorsFormatException(filePath, null,
                    $"the header must be a JSON object, found a JSON {Describe(root.ValueKind)}");
            }

            var byName = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
            Dictionary<string, string>? metadata = null;
            foreach (var property in root.EnumerateObject())
            {
                var key = property.Name;
                if (key == MetadataKey)
                {
                    if (metadata is not null)
                        throw new SafetensorsFormatException(filePath, key, "duplicate key in the header");
                    metadata = ParseMetadata(property.Value, filePath);
                    continue;
                }
                if (byName.ContainsKey(key))
                    throw new SafetensorsFormatException(filePath, key, "duplicate key in the header");
                byName.Add(key, ParseEntry(key, property.Value, dataLength, filePath));
            }

            var byOffset = CheckTiling(byName.Values, dataLength, filePath);
            return new SafetensorsHeader(byOffset, byName, metadata ?? new Dictionary<string, string>(StringComparer.Ordinal));
        }
    }

    private static Dictionary<string, string> ParseMetadata(JsonElement value, string filePath)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        // The reference implementation models metadata as an optional map, so an explicit null means "none".
        if (value.ValueKind == JsonValueKind.Null) return result;
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsFormatException(filePath, MetadataKey,
                $"must be a JSON object of strings, found a JSON {Describe(value.ValueKind)}");
        }
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafetensorsFormatException(filePath, MetadataKey,
                    $"value of '{item.Name}' must be a string, found a JSON {Describe(item.Value.ValueKind)}");
            }
            if (!result.TryAdd(item.Name, item.Value.GetString()!))
                throw new SafetensorsFormatException(filePath, MetadataKey, $"duplicate metadata key '{item.Name}'");
        }
        return result;
    }

    private static SafetensorsEntry ParseEntry(string name, JsonElement value, long dataLength, string filePath)
    {
        SafetensorsFormatException Fail(string problem) => new(filePath, name, problem);

        if (value.ValueKind != JsonValueKind.Object)
            throw Fail($"the entry must be a JSON object, found a JSON {Describe(value.ValueKind)}");

        JsonElement? dtypeValue = null, shapeValue = null, offsetsValue = null;
        foreach (var field in value.EnumerateObject())
        {
            // Unknown fields are ignored (as the reference implementation does), known ones must be unique.
            ref var slot = ref dtypeValue;
            switch (field.Name)
            {
                case "dtype": slot = ref dtypeValue; break;
                case "shape": slot = ref shapeValue; break;
                case "data_offsets": slot = ref offsetsValue; break;
                default: continue;
            }
            if (slot is not null) throw Fail($"duplicate field \"{field.Name}\"");
            slot = field.Value;
        }

        // dtype
        if (dtypeValue is not { } dt) throw Fail("missing \"dtype\"");
        if (dt.ValueKind != JsonValueKind.String) throw Fail($"\"dtype\" must be a string, found a JSON {Describe(dt.ValueKind)}");
        var code = dt.GetString()!;
        if (!SafetensorsDTypes.TryParse(code, out var dtype))
        {
            throw Fail(SafetensorsDTypes.IsKnownButUnsupported(code)
                ? $"dtype '{code}' is valid safetensors but not supported by Arbor (supported: {SafetensorsDTypes.SupportedList})"
                : $"unknown dtype '{code}' (supported: {SafetensorsDTypes.SupportedList})");
        }

        // shape
        if (shapeValue is not { } sh) throw Fail("missing \"shape\"");
        if (sh.ValueKind != JsonValueKind.Array)
            throw Fail($"\"shape\" must be an array of integers, found a JSON {Describe(sh.ValueKind)}");
        var shape = new long[sh.GetArrayLength()];
        int i = 0;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var dim))
                throw Fail($"\"shape\" entry {i} ({d.GetRawText()}) is not an integer in the 64-bit range");
            if (dim < 0) throw Fail($"\"shape\" has a negative dimension {dim} at index {i}");
            shape[i++] = dim;
        }

        // data_offsets
        if (offsetsValue is not { } off) throw Fail("missing \"data_offsets\"");
        if (off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Fail($"\"data_offsets\" must be [begin, end], two integers; found {Truncate(off.GetRawText())}");
        long begin = ReadOffset(off[0], "begin"), end = ReadOffset(off[1], "end");
        if (begin > end) throw Fail($"\"data_offsets\" begin {begin} is after end {end}");
        if (end > dataLength)
        {
            throw Fail($"\"data_offsets\" end {end} is beyond the {dataLength}-byte data buffer: the file is truncated or " +
                $"the offsets are wrong");
        }

        // size consistency
        long need;
        try
        {
            long elements = 1;
            foreach (var dim in shape) elements = checked(elements * dim);
            need = checked(elements * dtype.ElementSize());
        }
        catch (OverflowException)
        {
            throw Fail($"shape [{string.Join(", ", shape)}] has more bytes than fit in 64 bits");
        }
        if (end - begin != need)
        {
            throw Fail($"\"data_offsets\" [{begin}, {end}] span {end - begin} bytes but shape [{string.Join(", ", shape)}] of {code} " +
                $"needs {need} bytes (length mismatch)");
        }

        return new SafetensorsEntry(name, dtype, shape, begin, end);

        long ReadOffset(JsonElement e, string which)
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out var v))
                throw Fail($"\"data_offsets\" {which} ({Truncate(e.GetRawText())}) is not an integer in the 64-bit range");
            if (v < 0) throw Fail($"\"data_offsets\" {which} {v} is negative");
            return v;
        }
    }

    /// <summary>
    /// The format requires the data buffer to be entirely indexed and without holes: sorted by offset, each
    /// range must start where the previous ended, and the last must end at the buffer's end.
    /// </summary>
    private static List<SafetensorsEntry> CheckTiling(IEnumerable<SafetensorsEntry> entries, long dataLength, string filePath)
    {
        var sorted = entries.ToList();
        sorted.Sort((a, b) =>
        {
            int c = a.Begin.CompareTo(b.Begin);
            if (c == 0) c = a.End.CompareTo(b.End);
            return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
        });

        long expected = 0;
        SafetensorsEntry? previous = null;
        foreach (var e in sorted)
        {
            if (e.Begin < expected)
            {
                throw new SafetensorsFormatException(filePath, e.Name,
                    $"bytes [{e.Begin}, {e.End}) overlap tensor '{previous!.Name}' at [{previous.Begin}, {previous.End})");
            }
            if (e.Begin > expected)
            {
                throw new SafetensorsFormatException(filePath, e.Name,
                    $"starts at byte {e.Begin}, leaving a hole of {e.Begin - expected} unindexed bytes after byte " +
                        $"{expected} of the data buffer");
            }
            expected = e.End;
            previous = e;
        }
        if (expected != dataLength)
        {
            throw new SafetensorsFormatException(filePath, null,
                $"the tensors end at byte {expected} of the {dataLength}-byte data buffer: a hole of {dataLength - expected} " +
                    $"unindexed bytes at its end");
        }
        return sorted;
    }

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "object",
        JsonValueKind.Array => "array",
        JsonValueKind.String => "string",
        JsonValueKind.Number => "number",
        JsonValueKind.True or JsonValueKind.False => "boolean",
        JsonValueKind.Null => "null",
        _ => kind.ToString(),
    };

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..64] + "...";
}
