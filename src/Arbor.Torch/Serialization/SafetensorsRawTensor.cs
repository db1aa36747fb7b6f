namespace Arbor.Tensors.Serialization;

/// <summary>
/// A tensor given as its raw bytes (little-endian, row-major) rather than as a libtorch <see cref="Tensor"/>:
/// what <see cref="Safetensors.Save(string, IEnumerable{SafetensorsRawTensor}, IReadOnlyDictionary{string, string}?)"/>
/// writes without touching libtorch, e.g. to produce test fixtures or to re-save bytes from a reader.
/// <see cref="Data"/> must hold exactly product(<see cref="Shape"/>) × element size bytes.
/// </summary>
public readonly record struct SafetensorsRawTensor(string Name, DType DType, long[] Shape, ReadOnlyMemory<byte> Data);
