namespace Arbor;

/// <summary>
/// The seed of every derived random stream: SplitMix64's finalizer (Steele, Lea &amp; Flood, 2014) folded over a seed and
/// keys, e.g. (seed, iteration, stream, prompt). Integer arithmetic only, so the same keys give the same seed on every
/// machine and .NET version, and item i of a stream needs no items before it. Shared by the Shapes world
/// (<see cref="Shapes.ShapesRng"/>) and the trainers, which must not depend on a world for their seeds.
/// </summary>
public static class SeedHash
{
    /// <summary>SplitMix64's increment (2^64 / φ).</summary>
    public const ulong Golden = 0x9E3779B97F4A7C15UL;

    private const ulong KeyOffset = 0xD1B54A32D192ED03UL;   // keeps key 0 from hashing like the seed

    /// <summary>The hash of (<paramref name="seed"/>, <paramref name="keys"/>...): nearby keys give unrelated seeds.</summary>
    public static ulong Of(ulong seed, params ReadOnlySpan<ulong> keys)
    {
        ulong h = Mix(seed + Golden);
        foreach (ulong k in keys) h = Mix(h ^ Mix(k + KeyOffset));
        return h;
    }

    /// <summary>SplitMix64's finalizer: a bijection of 64 bits whose every output bit depends on every input bit.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
