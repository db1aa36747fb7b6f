namespace Arbor.Tensors.NN;

/// <summary>
/// A tree of named parameters, buffers and sub-modules, as torch.nn.Module. Names are explicit and
/// hierarchical (<c>blocks.0.attn.qkv.weight</c>), so checkpoints and LoRA patterns address the same
/// strings a reader sees in the code. A module owns its tensors: they belong to no scope and are freed
/// by <see cref="Dispose"/>.
/// </summary>
public abstract class Module : IDisposable
{
    private readonly List<KeyValuePair<string, Tensor>> _parameters = new();
    private readonly List<KeyValuePair<string, Tensor>> _buffers = new();
    private readonly List<KeyValuePair<string, Module>> _children = new();
    private bool _disposed;

    public bool Training { get; private set; } = true;

    // ---- registration ----

    /// <summary>Takes ownership of <paramref name="value"/> (a leaf) as a trainable parameter named <paramref name="name"/>.</summary>
    protected Tensor RegisterParameter(string name, Tensor value)
    {
        CheckName(name, value);
        if (!value.IsLeaf)
            throw new ArgumentException($"parameter '{name}' must be a leaf tensor (create it under Torch.NoGrad or Detach it)");
        value.DetachFromScope();
        value.RequiresGrad = true;
        _parameters.Add(new(name, value));
        return value;
    }

    /// <summary>Takes ownership of <paramref name="value"/> as a non-trained buffer saved in the state dict.</summary>
    protected Tensor RegisterBuffer(string name, Tensor value)
    {
        CheckName(name, value);
        value.DetachFromScope();
        _buffers.Add(new(name, value));
        return value;
    }

    protected T RegisterModule<T>(string name, T module) where T : Module
    {
        CheckName(name);
        _children.Add(new(name, module));
        return module;
    }

    /// <summary>Validates a member name; on failure frees <paramref name="owned"/>, whose ownership was being handed over.</summary>
    private void CheckName(string name, IDisposable? owned = null)
    {
        string? problem = string.IsNullOrEmpty(name) || name.Contains('.')
            ? $"invalid member name '{name}': must be non-empty and contain no '.'"
            : _parameters.Any(p => p.Key == name) || _buffers.Any(b => b.Key == name) || _children.Any(c => c.Key == name)
                ? $"{GetType().Name} already has a member named '{name}'"
                : null;
        if (problem is null) return;
        owned?.Dispose();
        throw new ArgumentException(problem);
    }

    // ---- traversal ----

    public IEnumerable<(string Name, Module Module)> NamedModules(string prefix = "")
    {
        yield return (prefix, this);
        foreach (var (name, child) in _children)
            foreach (var m in child.NamedModules(Join(prefix, name))) yield return m;
    }

    public IEnumerable<(string Name, Module Module)> NamedChildren() => _children.Select(c => (c.Key, c.Value));

    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters(bool trainableOnly = false)
    {
        foreach (var (prefix, module) in NamedModules())
        {
            foreach (var (name, p) in module._parameters)
                if (!trainableOnly || p.RequiresGrad) yield return (Join(prefix, name), p);
        }
    }

    public IEnumerable<Tensor> Parameters(bool trainableOnly = false) => NamedParameters(trainableOnly).Select(p => p.Parameter);

    public IEnumerable<(string Name, Tensor Buffer)> NamedBuffers()
    {
        foreach (var (prefix, module) in NamedModules())
            foreach (var (name, b) in module._buffers) yield return (Join(prefix, name), b);
    }

    public long ParameterCount(bool trainableOnly = false) => NamedParameters(trainableOnly).Sum(p => p.Parameter.NumEl);

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix + "." + name;

    // ---- modes ----

    /// <summary>Sets training mode here and in every sub-module (dropout is active only in training).</summary>
    public Module Train(bool on = true)
    {
        foreach (var (_, m) in NamedModules()) m.Training = on;
        return this;
    }

    public Module Eval() => Train(false);

    /// <summary>Stops gradients for every parameter of this module (and its sub-modules).</summary>
    public Module Freeze()
    {
        foreach (var p in Parameters()) p.RequiresGrad = false;
        return this;
    }

    public Module Unfreeze()
    {
        foreach (var p in Parameters()) p.RequiresGrad = true;
        return this;
    }

    /// <summary>Moves (or converts) every parameter and buffer, keeping their identities so references stay valid.</summary>
    public Module To(Device device, DType? dtype = null)
    {
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        foreach (var (_, t) in NamedParameters().Concat(NamedBuffers()))
        {
            var target = t.DType.IsFloatingPoint() && dtype is { } d ? d : t.DType;
            if (t.Device == device && t.DType == target) continue;
            t.SetData(t.To(target, device));
        }
        return this;
    }

    // ---- state dict ----

    /// <summary>
    /// Parameters and buffers by full name. The tensors are the module's own (borrowed, not copies):
    /// do not dispose them.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> StateDict()
    {
        var d = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in NamedParameters().Concat(NamedBuffers())) d[name] = t;
        return d;
    }

    /// <summary>
    /// Copies values from <paramref name="state"/> into this module's tensors. Every key must match a
    /// tensor of the same shape; with <paramref name="strict"/> every tensor must be given too. Nothing
    /// is modified unless every check passes.
    /// </summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool strict = true)
    {
        var own = StateDict();
        var problems = new List<string>();
        foreach (var (key, value) in state)
        {
            if (!own.TryGetValue(key, out var target))
            {
                if (strict) problems.Add($"unexpected key '{key}'");
                continue;
            }
            var (want, got) = (target.Shape, value.Shape);
            if (!want.SequenceEqual(got))
                problems.Add($"shape mismatch for '{key}': module has [{string.Join(", ", want)}], state has [{string.Join(", ", got)}]");
        }
        if (strict)
        {
            foreach (var key in own.Keys)
                if (!state.ContainsKey(key)) problems.Add($"missing key '{key}'");
        }
        if (problems.Count > 0)
            throw new ArgumentException($"cannot load state into {GetType().Name}: " + string.Join("; ", problems));

        using var noGrad = Torch.NoGrad();
        foreach (var (key, value) in state)
            if (own.TryGetValue(key, out var target)) target.CopyFrom(value);
    }

    /// <summary>Frees every parameter and buffer of this module and its sub-modules.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var (_, p) in _parameters) p.Dispose();
        foreach (var (_, b) in _buffers) b.Dispose();
        foreach (var (_, c) in _children) c.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>A module with a single forward function.</summary>
public abstract class Module<TIn, TOut> : Module
{
    public abstract TOut Forward(TIn input);
}
