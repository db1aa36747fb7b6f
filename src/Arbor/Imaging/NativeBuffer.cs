using System.Runtime.InteropServices;

namespace Arbor.Imaging;

/// <summary>
/// A zero-filled array of <typeparamref name="T"/> in native memory, freed by <see cref="Dispose"/>: for per-image
/// working memory that scales with the pixel count. A managed array that size is large-object-heap garbage once the
/// image is done and stays resident until the next full collection, which under a burst of large images comes only
/// after gigabytes (docs/RELIABILITY.md); this one goes back to the system the moment it is disposed (the allocator
/// maps large blocks directly, and their pages are only resident once written).
/// </summary>
internal sealed unsafe class NativeBuffer<T> : IDisposable
    where T : unmanaged
{
    private T* _items;

    public NativeBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _items = (T*)NativeMemory.AllocZeroed((nuint)length, (nuint)sizeof(T));
        Length = length;
    }

    // A safety net only: every user disposes it.
    ~NativeBuffer() => Free();

    public int Length { get; }

    /// <summary>The elements; valid until <see cref="Dispose"/>.</summary>
    public Span<T> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(_items == null, this);
            return new Span<T>(_items, Length);
        }
    }

    /// <summary>The first element's address, for native code that writes the whole buffer.</summary>
    public IntPtr Address
    {
        get
        {
            ObjectDisposedException.ThrowIf(_items == null, this);
            return (IntPtr)_items;
        }
    }

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        NativeMemory.Free(_items);
        _items = null;
    }
}
