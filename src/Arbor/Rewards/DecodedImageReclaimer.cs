namespace Arbor.Rewards;

/// <summary>
/// Returns finished requests' decoded images to the heap before their slot is handed on. The images are
/// <see cref="Imaging.Image8"/>s, managed arrays of up to 48 MB each, so once a request is answered they are
/// large-object-heap garbage, which the GC collects only when its large-object budget runs out: a burst of eight
/// 64-Mpx requests saw two full collections in 20 s and ~770 MB of dead images resident beside the live ones
/// (docs/RELIABILITY.md). Every other buffer that scales with pixels is native and freed deterministically
/// (<see cref="Imaging.NativeBuffer{T}"/>); the images cannot be, since rewards receive them as arrays, and pooling
/// them would let a reward that keeps an image see it overwritten. So the server counts the bytes it lets go and runs
/// one blocking, non-compacting full collection each time they reach <paramref name="bytesPerCollection"/> (one
/// request's share), which keeps the dead images under twice that. A collection took 1-18 ms (byte arrays hold no
/// references to trace) against the seconds such requests take to decode and score; small requests trigger one
/// only after many of them.
/// </summary>
internal sealed class DecodedImageReclaimer(long bytesPerCollection)
{
    private long _released;

    /// <summary>
    /// Called by a request once nothing references its decoded images any more (<paramref name="bytes"/> of them),
    /// before it releases its slot.
    /// </summary>
    public void Released(long bytes)
    {
        if (Interlocked.Add(ref _released, bytes) < bytesPerCollection) return;
        Interlocked.Exchange(ref _released, 0);
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: false);
    }
}
