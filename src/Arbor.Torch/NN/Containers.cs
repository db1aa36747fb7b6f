namespace Arbor.Tensors.NN;

/// <summary>Sub-modules applied in order; children are named "0", "1", ….</summary>
public sealed class Sequential : Module<Tensor, Tensor>
{
    private readonly List<Module<Tensor, Tensor>> _layers = new();

    public Sequential(params Module<Tensor, Tensor>[] layers)
    {
        foreach (var l in layers) Add(l);
    }

    public Sequential Add(Module<Tensor, Tensor> layer)
    {
        RegisterModule(_layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), layer);
        _layers.Add(layer);
        return this;
    }

    public int Count => _layers.Count;
    public Module<Tensor, Tensor> this[int index] => _layers[index];

    /// <summary>Runs every layer; intermediates are freed here, only the result is handed to the caller.</summary>
    public override Tensor Forward(Tensor input)
    {
        using var scope = Torch.NewScope();
        var x = input;
        foreach (var l in _layers) x = l.Forward(x);
        return ReferenceEquals(x, input) ? input : scope.MoveToOuter(x);
    }
}

/// <summary>An indexed list of sub-modules, named "0", "1", … (e.g. transformer blocks).</summary>
public sealed class ModuleList<T> : Module, IReadOnlyList<T> where T : Module
{
    private readonly List<T> _items = new();

    public ModuleList(IEnumerable<T>? items = null)
    {
        if (items is not null) foreach (var m in items) Add(m);
    }

    public void Add(T module)
    {
        RegisterModule(_items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);
        _items.Add(module);
    }

    public int Count => _items.Count;
    public T this[int index] => _items[index];
    public IEnumerator<T> GetEnumerator() => _items.GetEnumerator();
    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
