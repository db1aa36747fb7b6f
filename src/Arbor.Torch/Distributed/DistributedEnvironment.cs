using System.Globalization;

namespace Arbor.Tensors.Distributed;

/// <summary>
/// Where this process sits in a distributed job, as torchrun (and <c>arbor launch</c>) describe it in the environment:
/// RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT. LOCAL_RANK may be missing (some launchers set only
/// the other four); it then equals RANK, which is right on one machine.
/// </summary>
public sealed record DistributedEnvironment(int Rank, int WorldSize, int LocalRank, string MasterAddress, int MasterPort)
{
    /// <summary>The variables, in the order torchrun documents them.</summary>
    public static readonly IReadOnlyList<string> Variables = ["RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"];

    /// <summary>Reads this process's environment.</summary>
    public static DistributedEnvironment Read() => Parse(Environment.GetEnvironmentVariable);

    /// <summary>
    /// Reads the variables through <paramref name="lookup"/> (null: not set). Throws
    /// <see cref="InvalidOperationException"/> naming the variable that is missing or invalid.
    /// </summary>
    public static DistributedEnvironment Parse(Func<string, string?> lookup)
    {
        int worldSize = Integer(lookup, "WORLD_SIZE", min: 1);
        int rank = Integer(lookup, "RANK", min: 0);
        if (rank >= worldSize)
            throw Invalid($"RANK={rank} is out of range for WORLD_SIZE={worldSize} (ranks are 0..{worldSize - 1})");
        int localRank = Value(lookup, "LOCAL_RANK") is null ? rank : Integer(lookup, "LOCAL_RANK", min: 0);
        if (localRank > rank)
        {
            throw Invalid($"LOCAL_RANK={localRank} is larger than RANK={rank} (a rank's index on its own machine cannot " +
                $"exceed its global rank)");
        }
        var addr = Value(lookup, "MASTER_ADDR") ?? throw Missing("MASTER_ADDR");
        if (addr.Any(char.IsWhiteSpace))
            throw Invalid($"MASTER_ADDR='{addr}' contains white space (it should be a host name or an IP address)");
        int port = Integer(lookup, "MASTER_PORT", min: 1);
        if (port > 65535) throw Invalid($"MASTER_PORT={port} is not a TCP port (1-65535)");
        return new DistributedEnvironment(rank, worldSize, localRank, addr, port);
    }

    private static string? Value(Func<string, string?> lookup, string name)
    {
        var v = lookup(name)?.Trim();
        return string.IsNullOrEmpty(v) ? null : v;
    }

    private static int Integer(Func<string, string?> lookup, string name, int min)
    {
        var v = Value(lookup, name) ?? throw Missing(name);
        if (!int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n))
            throw Invalid($"{name}='{v}' is not an integer");
        if (n < min) throw Invalid($"{name}={n} must be at least {min}");
        return n;
    }

    private static InvalidOperationException Missing(string name) => new(
        $"the distributed environment variable {name} is not set; a distributed run needs " +
        string.Join(", ", Variables) + " (set by `arbor launch` or torchrun)");

    private static InvalidOperationException Invalid(string what) => new($"invalid distributed environment: {what}");
}
