using System.Collections.Concurrent;

namespace Arbor.Tests.Rewards;

/// <summary>
/// A clock whose timers fire at once and remember what they were asked to wait: the retry waits of a client built
/// on it can be checked exactly, many of them, without spending them.
/// </summary>
internal sealed class InstantDelays : TimeProvider
{
    public ConcurrentQueue<TimeSpan> Requested { get; } = new();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Requested.Enqueue(dueTime);
        return System.CreateTimer(callback, state, TimeSpan.Zero, period);
    }
}
