using Arbor.Distributed;
using Arbor.Tensors.Distributed;
using Arbor.TestKit;

namespace Arbor.Tests.Distributed;

/// <summary>Ranks of a data-parallel job as threads of this process, each over its own Gloo group, as torch's own tests run them.</summary>
internal static class Ranks
{
    /// <summary>Runs <paramref name="run"/> as each of <paramref name="world"/> ranks and
    /// returns their results in rank order; a rank's exception is rethrown.</summary>
    public static T[] Run<T>(int world, Func<DataParallel, T> run)
    {
        int port = Ports.Free();
        var results = new T[world];
        var errors = new Exception?[world];
        var threads = Enumerable.Range(0, world).Select(rank => new Thread(() =>
        {
            try
            {
                using var group = ProcessGroup.Create(rank, world, "127.0.0.1", port, TimeSpan.FromSeconds(60));
                using var dp = DataParallel.Over(group);
                results[rank] = run(dp);
            }
            catch (Exception e) { errors[rank] = e; }
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        foreach (var e in errors) if (e is not null) throw new AggregateException(e);
        return results;
    }
}
