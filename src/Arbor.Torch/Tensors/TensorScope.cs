namespace Arbor.Tensors;

/// <summary>
/// Deterministic lifetime for temporaries: every tensor created on this thread while the scope is the
/// innermost one belongs to it and is freed when the scope is disposed, unless it was moved out
/// (<see cref="MoveToOuter(Tensor)"/>) or detached (<see cref="Detach"/>). Scopes nest; create them with
/// <c>using var scope = Torch.NewScope();</c>.
/// </summary>
public sealed class TensorScope : IDisposable
{
    [ThreadStatic] private static TensorScope? _current;

    private readonly List<Tensor> _owned = new();
    private readonly TensorScope? _outer;
    private readonly int _threadId;
    private bool _disposed;

    /// <summary>The innermost scope on this thread, or null.</summary>
    public static TensorScope? Current => _current;

    internal TensorScope()
    {
        _outer = _current;
        _threadId = Environment.CurrentManagedThreadId;
        _current = this;
    }

    /// <summary>Number of tensors this scope will free.</summary>
    public int Count
    {
        get
        {
            int n = 0;
            foreach (var t in _owned) if (t.Scope == this && !t.IsDisposed) n++;
            return n;
        }
    }

    /// <summary>Makes this scope the owner of <paramref name="t"/> (taking it from any other scope).</summary>
    public void Register(Tensor t)
    {
        _owned.Add(t);
        t.Scope = this;
    }

    /// <summary>Hands <paramref name="t"/> to the enclosing scope (or to the caller if there is none) and returns it.</summary>
    public Tensor MoveToOuter(Tensor t)
    {
        if (t.Scope != this) throw new InvalidOperationException("the tensor does not belong to this scope");
        t.Scope = null;
        _outer?.Register(t);
        return t;
    }

    /// <summary>Moves several tensors out at once.</summary>
    public void MoveToOuter(params Tensor[] tensors)
    {
        foreach (var t in tensors) MoveToOuter(t);
    }

    /// <summary>Takes <paramref name="t"/> out of every scope: the caller now owns it and must dispose it.</summary>
    public static Tensor Detach(Tensor t)
    {
        t.Scope = null;
        return t;
    }

    public void Dispose()
    {
        if (_disposed) return;
        if (Environment.CurrentManagedThreadId != _threadId)
            throw new InvalidOperationException("a TensorScope must be disposed on the thread that created it");
        if (_current != this)
            throw new InvalidOperationException("TensorScopes must be disposed innermost first");
        _disposed = true;
        _current = _outer;
        foreach (var t in _owned)
            if (t.Scope == this) t.DisposeFromScope();
        _owned.Clear();
    }
}
