namespace Arbor.Tensors.Serialization;

/// <summary>
/// Saving and loading tensors in the safetensors format (https://github.com/huggingface/safetensors): an
/// 8-byte little-endian header length, a JSON header, then the raw tensor bytes. Chosen over pickle-based
/// checkpoints because it cannot execute code, can be memory-mapped, and is read by PyTorch, JAX and others.
/// Supported dtypes: F32, F16, BF16, F64, I64, I32, U8, BOOL.
/// </summary>
public static class Safetensors
{
    /// <summary>Opens <paramref name="path"/> for lazy, tensor-by-tensor reading (see <see cref="SafetensorsReader"/>).</summary>
    public static SafetensorsReader Open(string path) => new(path);

    /// <summary>
    /// Loads every tensor of <paramref name="path"/> onto <paramref name="device"/> (CPU by default). The tensors
    /// belong to the current <see cref="TensorScope"/>, or to the caller when there is none.
    /// </summary>
    public static Dictionary<string, Tensor> Load(string path, Device? device = null)
    {
        using var reader = new SafetensorsReader(path);
        return reader.LoadAll(device);
    }

    /// <summary>
    /// Writes <paramref name="tensors"/> (from any device, contiguous or not) and optional string
    /// <paramref name="metadata"/> to <paramref name="path"/>, atomically: via <c>path + ".tmp"</c>, flushed to
    /// disk, then renamed over <paramref name="path"/>. The tensors are only read, never disposed.
    /// </summary>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors,
                            IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var items = new List<SafetensorsWriter.Item>();
        foreach (var (name, tensor) in tensors)
        {
            if (tensor is null) throw new ArgumentException($"tensor '{name}' is null");
            var dtype = tensor.DType;
            var shape = tensor.Shape;
            long bytes = checked(tensor.NumEl * dtype.ElementSize());
            items.Add(new SafetensorsWriter.Item(name, dtype, shape, bytes, stream => WriteTensor(stream, name, tensor, bytes)));
        }
        SafetensorsWriter.Write(path, items, metadata);
    }

    /// <summary>
    /// Writes raw tensors (no libtorch involved) to <paramref name="path"/>, atomically as the tensor overload.
    /// Each entry's bytes must match its dtype and shape exactly.
    /// </summary>
    public static void Save(string path, IEnumerable<SafetensorsRawTensor> tensors,
                            IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var items = tensors.Select(t => new SafetensorsWriter.Item(
            t.Name, t.DType, t.Shape, t.Data.Length, stream => stream.Write(t.Data.Span)));
        SafetensorsWriter.Write(path, items, metadata);
    }

    // One tensor is staged in host memory at a time, so saving never needs a second copy of the whole model.
    private static void WriteTensor(Stream stream, string name, Tensor tensor, long bytes)
    {
        if (bytes > Array.MaxLength)
            throw new NotSupportedException($"tensor '{name}' is {bytes} bytes; tensors above {Array.MaxLength} bytes cannot be saved yet");
        stream.Write(tensor.ToBytes());
    }
}
