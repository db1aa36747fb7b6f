namespace Arbor.Shapes;

/// <summary>
/// The Shapes world's random numbers: SplitMix64 (Steele, Lea &amp; Flood, 2014), chosen because its output
/// is defined by a few lines of integer arithmetic, so the same seed gives the same scenes and the same
/// bytes on every machine and .NET version (System.Random makes no such promise). Derived streams
/// (<see cref="Derive"/>) hash a seed with keys, so item <c>i</c> of a data set can be generated without
/// generating items 0..i-1.
/// </summary>
public sealed class ShapesRng
{
    private ulong _state;

    /// <summary>A generator whose whole future is fixed by <paramref name="seed"/>.</summary>
    public ShapesRng(ulong seed) => _state = seed;

    /// <summary>
    /// An independent generator for (<paramref name="seed"/>, <paramref name="keys"/>...), e.g. (seed, stream, index):
    /// each key is folded in with the SplitMix64 finalizer, so nearby keys give unrelated streams.
    /// </summary>
    public static ShapesRng Derive(ulong seed, params ReadOnlySpan<ulong> keys) => new(Hash(seed, keys));

    /// <summary>The hash <see cref="Derive"/> seeds with.</summary>
    public static ulong Hash(ulong seed, params ReadOnlySpan<ulong> keys) => SeedHash.Of(seed, keys);

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        _state += SeedHash.Golden;
        return SeedHash.Mix(_state);
    }

    /// <summary>Uniform in [0, 1), with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [<paramref name="lo"/>, <paramref name="hi"/>).</summary>
    public double Uniform(double lo, double hi) => lo + ((hi - lo) * NextDouble());

    /// <summary>Uniform in [0, <paramref name="n"/>), unbiased (rejection of the top partial range).</summary>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        ulong bound = (ulong)n;
        ulong limit = ulong.MaxValue - (ulong.MaxValue % bound);
        ulong x;
        do x = NextUInt64(); while (x >= limit);
        return (int)(x % bound);
    }

    /// <summary>True with probability <paramref name="p"/>.</summary>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>A uniformly chosen element.</summary>
    public T Pick<T>(IReadOnlyList<T> items)
    {
        ArgumentOutOfRangeException.ThrowIfZero(items.Count);
        return items[NextInt(items.Count)];
    }

    /// <summary>Index chosen with probability proportional to <paramref name="weights"/> (non-negative, positive sum).</summary>
    public int PickWeighted(IReadOnlyList<double> weights)
    {
        double total = 0;
        foreach (double w in weights) total += w;
        if (!(total > 0)) throw new ArgumentException("weights must have a positive sum", nameof(weights));
        double u = NextDouble() * total;
        for (int i = 0; i < weights.Count; i++)
        {
            u -= weights[i];
            if (u < 0) return i;
        }

        for (int i = weights.Count - 1; i >= 0; i--)
        {
            if (weights[i] > 0) return i;   // rounding left u at the very top
        }

        throw new InvalidOperationException("unreachable");
    }

    /// <summary>Fisher-Yates shuffle of <paramref name="items"/> in place.</summary>
    public void Shuffle<T>(IList<T> items)
    {
        for (int i = items.Count - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
