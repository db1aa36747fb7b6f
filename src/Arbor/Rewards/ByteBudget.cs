namespace Arbor.Rewards;

/// <summary>
/// Bytes that requests may hold at once, handed out first come, first served: a request that does not fit waits behind
/// every earlier one (no later, smaller request overtakes it, so a large one is never starved) until its bytes are
/// free, its wait times out or it is cancelled. <see cref="Peak"/>, the most ever held, is for tests.
/// </summary>
internal sealed class ByteBudget(long capacity)
{
    private readonly Lock _lock = new();
    private readonly LinkedList<Waiter> _waiters = new();
    private long _held, _peak;

    public long Capacity => capacity;

    public long Held
    {
        get { lock (_lock) return _held; }
    }

    public long Peak
    {
        get { lock (_lock) return _peak; }
    }

    private sealed class Waiter(long bytes)
    {
        public long Bytes { get; } = bytes;
        public TaskCompletionSource Granted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// Takes <paramref name="bytes"/> (at most <see cref="Capacity"/>), waiting behind earlier requests; false when
    /// they were not free within <paramref name="timeout"/>. Whoever gets true gives them back with <see cref="Release"/>.
    /// </summary>
    public async Task<bool> TryTakeAsync(long bytes, TimeSpan timeout, CancellationToken cancel)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(bytes, capacity);
        Waiter waiter;
        LinkedListNode<Waiter> node;
        lock (_lock)
        {
            if (_waiters.Count == 0 && _held + bytes <= capacity)
            {
                Take(bytes);
                return true;
            }

            waiter = new Waiter(bytes);
            node = _waiters.AddLast(waiter);
        }

        try
        {
            await waiter.Granted.Task.WaitAsync(timeout, cancel);
            return true;
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            bool granted;
            lock (_lock)
            {
                granted = waiter.Granted.Task.IsCompleted;   // granted as the wait ended
                if (!granted)
                {
                    _waiters.Remove(node);
                    GrantWaiting();   // it may have been the head that held smaller ones back
                }
            }

            if (e is OperationCanceledException)
            {
                if (granted) Release(bytes);
                throw;
            }

            return granted;
        }
    }

    public void Release(long bytes)
    {
        lock (_lock)
        {
            _held -= bytes;
            GrantWaiting();
        }
    }

    private void GrantWaiting()
    {
        while (_waiters.First is { } first && _held + first.Value.Bytes <= capacity)
        {
            Take(first.Value.Bytes);
            _waiters.RemoveFirst();
            first.Value.Granted.SetResult();   // its continuation runs elsewhere (RunContinuationsAsynchronously)
        }
    }

    private void Take(long bytes)
    {
        _held += bytes;
        _peak = Math.Max(_peak, _held);
    }
}
