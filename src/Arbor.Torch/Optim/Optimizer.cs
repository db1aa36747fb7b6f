using Arbor.Tensors.Native;

namespace Arbor.Tensors.Optim;

/// <summary>
/// A libtorch optimizer over named parameters. Names key the saved state, so a checkpoint loads into
/// a freshly built model whatever order its parameters enumerate in.
/// </summary>
public abstract unsafe class Optimizer : IDisposable
{
    private IntPtr _handle;
    private readonly List<(string Name, Tensor Parameter)> _params = new();
    private readonly int _bufferCount;

    private protected Optimizer(int kind, IEnumerable<(string Name, Tensor Parameter)> parameters, double[] hyper, int bufferCount)
    {
        _bufferCount = bufferCount;
        var group = parameters.ToList();
        if (group.Count == 0) throw new ArgumentException("an optimizer needs at least one parameter");
        var handles = Register(group);
        fixed (IntPtr* p = handles)
        fixed (double* h = hyper)
            _handle = Check.Handle(NativeMethods.arb_optim_new(kind, p, handles.Length, h, hyper.Length));
        GC.KeepAlive(group);
    }

    private IntPtr[] Register(List<(string Name, Tensor Parameter)> group)
    {
        foreach (var (name, _) in group)
            if (_params.Any(p => p.Name == name)) throw new ArgumentException($"parameter '{name}' is already in this optimizer");
        _params.AddRange(group);
        return group.Select(p => p.Parameter.Handle).ToArray();
    }

    private protected void AddGroup(IEnumerable<(string Name, Tensor Parameter)> parameters, double[] hyper)
    {
        var group = parameters.ToList();
        var handles = Register(group);
        fixed (IntPtr* p = handles)
        fixed (double* h = hyper)
            Check.Status(NativeMethods.arb_optim_add_group(Handle, p, handles.Length, h, hyper.Length));
        GC.KeepAlive(group);
    }

    internal IntPtr Handle => _handle != IntPtr.Zero ? _handle : throw new ObjectDisposedException(GetType().Name);

    public IReadOnlyList<(string Name, Tensor Parameter)> Parameters => _params;

    public void Step()
    {
        Check.Status(NativeMethods.arb_optim_step(Handle));
        GC.KeepAlive(_params);
    }

    /// <summary>Clears gradients; by default drops them (None), which also saves memory and a kernel.</summary>
    public void ZeroGrad(bool setToNone = true) => Check.Status(NativeMethods.arb_optim_zero_grad(Handle, setToNone ? 1 : 0));

    /// <summary>Learning rate of parameter group 0 (set it each step from an <see cref="ILrSchedule"/>).</summary>
    public double LearningRate
    {
        get => GetLearningRate(0);
        set => SetLearningRate(value);
    }

    public double GetLearningRate(int group)
    {
        double lr;
        Check.Status(NativeMethods.arb_optim_get_lr(Handle, group, &lr));
        return lr;
    }

    /// <summary>Sets the learning rate of one group, or of every group when <paramref name="group"/> is null.</summary>
    public void SetLearningRate(double lr, int? group = null)
    {
        if (group is { } g)
        {
            Check.Status(NativeMethods.arb_optim_set_lr(Handle, g, lr));
            return;
        }
        for (int i = 0; ; i++)
        {
            if (NativeMethods.arb_optim_set_lr(Handle, i, lr) < 0)
            {
                Check.TakeError();  // past the last group
                if (i == 0) throw new InvalidOperationException("optimizer has no parameter groups");
                return;
            }
        }
    }

    /// <summary>Names of the state buffers kept per parameter, in the order libtorch reports them.</summary>
    protected abstract string[] BufferNames { get; }

    /// <summary>
    /// The optimizer's state as new tensors (owned by the caller or the current scope), keyed
    /// "{param}.{buffer}" plus "{param}.step" (int64 scalar). Parameters without state yet are absent.
    /// </summary>
    public Dictionary<string, Tensor> StateDict()
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var bufs = stackalloc IntPtr[3];
        for (int i = 0; i < _params.Count; i++)
        {
            long step;
            int n = NativeMethods.arb_optim_get_state(Handle, i, &step, bufs);
            Check.Status(n);
            if (n == 0) continue;
            var name = _params[i].Name;
            for (int b = 0; b < n; b++) result[$"{name}.{BufferNames[b]}"] = new Tensor(bufs[b]);
            result[$"{name}.step"] = Torch.Scalar(step, DType.Int64);
        }
        return result;
    }

    /// <summary>Restores state saved by <see cref="StateDict"/>; a missing buffer or wrong shape is an error naming it.</summary>
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state)
    {
        var known = new HashSet<string>(StringComparer.Ordinal);
        var bufs = new IntPtr[_bufferCount];
        for (int i = 0; i < _params.Count; i++)
        {
            var name = _params[i].Name;
            if (!state.TryGetValue($"{name}.step", out var stepTensor)) continue;  // no state yet for this one
            known.Add($"{name}.step");
            var tensors = new Tensor[_bufferCount];
            for (int b = 0; b < _bufferCount; b++)
            {
                var key = $"{name}.{BufferNames[b]}";
                if (!state.TryGetValue(key, out var t)) throw new ArgumentException($"optimizer state is missing '{key}'");
                known.Add(key);
                tensors[b] = t;
                bufs[b] = t.Handle;
            }
            long step = (long)stepTensor.Item();
            fixed (IntPtr* p = bufs)
            {
                var status = NativeMethods.arb_optim_set_state(Handle, i, step, p, bufs.Length);
                if (status < 0) throw new ArgumentException($"optimizer state for '{name}': {Check.TakeError()}");
            }
            GC.KeepAlive(tensors);
        }
        var unknown = state.Keys.Where(k => !known.Contains(k)).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"optimizer state has keys for no parameter of this optimizer: " +
                $"{string.Join(", ", unknown.Take(5))}");
        }
    }

    public void Dispose()
    {
        var h = Interlocked.Exchange(ref _handle, IntPtr.Zero);
        if (h != IntPtr.Zero) NativeMethods.arb_optim_free(h);
        GC.SuppressFinalize(this);
    }

    internal static IEnumerable<(string, Tensor)> Unnamed(IEnumerable<Tensor> tensors) =>
        tensors.Select((t, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), t));
}
