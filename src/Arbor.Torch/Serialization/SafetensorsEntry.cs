namespace Arbor.Tensors.Serialization;

/// <summary>
/// One tensor's header entry: its name, dtype, shape and the byte range [<see cref="Begin"/>, <see cref="End"/>)
/// it occupies in the data buffer (offsets relative to the buffer's start, as in the file). Entries handed
/// out by a <see cref="SafetensorsReader"/> have been validated: the range lies inside the buffer and holds
/// exactly <see cref="ElementCount"/> elements.
/// </summary>
public sealed record SafetensorsEntry
{
    private readonly long[] _shape;

    public SafetensorsEntry(string name, DType dtype, long[] shape, long begin, long end)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(shape);
        Name = name;
        DType = dtype;
        _shape = (long[])shape.Clone();
        Begin = begin;
        End = end;
    }

    public string Name { get; }

    public DType DType { get; }

    /// <summary>The dimensions, outermost first; empty for a scalar. A copy, so callers cannot alter the entry.</summary>
    public long[] Shape => (long[])_shape.Clone();

    /// <summary>Shape without the defensive copy, for the library's own hot paths.</summary>
    internal ReadOnlySpan<long> ShapeSpan => _shape;

    public int Rank => _shape.Length;

    /// <summary>First byte, relative to the start of the data buffer.</summary>
    public long Begin { get; }

    /// <summary>One past the last byte, relative to the start of the data buffer.</summary>
    public long End { get; }

    public long ByteLength => End - Begin;

    /// <summary>Product of the shape (1 for a scalar, 0 when any dimension is 0).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (var d in _shape) n = checked(n * d);
            return n;
        }
    }

    // Records compare arrays by reference; an entry is a value, so compare the dimensions themselves.
    public bool Equals(SafetensorsEntry? other) =>
        other is not null && Name == other.Name && DType == other.DType && Begin == other.Begin && End == other.End &&
        _shape.AsSpan().SequenceEqual(other._shape);

    public override int GetHashCode()
    {
        var h = new HashCode();
        h.Add(Name);
        h.Add(DType);
        h.Add(Begin);
        h.Add(End);
        foreach (var d in _shape) h.Add(d);
        return h.ToHashCode();
    }

    public override string ToString() =>
        $"{Name}: {DType} [{string.Join(", ", _shape)}] bytes [{Begin}, {End})";
}
