using System.Text.RegularExpressions;

namespace Arbor.Tensors.NN;

/// <summary>Puts LoRA adapters on the Linear layers of a model whose names match a pattern, as peft's target_modules.</summary>
public static class LoraInjection
{
    /// <summary>
    /// Attaches an adapter to every <see cref="Linear"/> whose full name matches <paramref name="pattern"/>
    /// (a regular expression over names like "blocks.3.attn.qkv"), freezes every base parameter, and
    /// returns the adapted layers by name. No match is an error naming the pattern.
    /// </summary>
    public static IReadOnlyList<(string Name, Linear Layer)> Apply(Module model, string pattern, int rank, double alpha,
        Generator? generator = null)
    {
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        var targets = model.NamedModules()
            .Where(m => m.Module is Linear && regex.IsMatch(m.Name))
            .Select(m => (m.Name, Layer: (Linear)m.Module))
            .ToList();
        if (targets.Count == 0) throw new ArgumentException($"LoRA pattern '{pattern}' matches no Linear layer of {model.GetType().Name}");
        model.Freeze();
        foreach (var (_, layer) in targets) layer.AttachLora(rank, alpha, generator);
        return targets;
    }

    /// <summary>Adapter parameters only ("….lora.A", "….lora.B"): what a LoRA checkpoint holds.</summary>
    public static IEnumerable<(string Name, Tensor Parameter)> LoraParameters(Module model) =>
        model.NamedParameters()
            .Where(p => p.Name.Contains(".lora.", StringComparison.Ordinal) || p.Name.StartsWith("lora.", StringComparison.Ordinal));

    /// <summary>Switches every adapter of <paramref name="model"/> on or off (off = the base model, the KL reference).</summary>
    public static void SetEnabled(Module model, bool enabled)
    {
        foreach (var (_, m) in model.NamedModules())
            if (m is LoraAdapter a) a.Enabled = enabled;
    }

    /// <summary>
    /// Multiplies every adapter's update by <paramref name="factor"/> (its B in place): 0 is the base, 1 the adapter as
    /// trained, above 1 an extrapolation along what training moved (model-space extrapolation, as a LoRA "strength").
    /// </summary>
    public static void ScaleAdapters(Module model, double factor)
    {
        if (!double.IsFinite(factor)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "a LoRA scale must be finite");
        using var noGrad = Torch.NoGrad();
        int scaled = 0;
        foreach (var (_, m) in model.NamedModules())
        {
            if (m is not LoraAdapter a) continue;
            if (a.Merged) throw new InvalidOperationException("scale the adapters before merging them into the weights");
            a.B.MulInPlace(factor);
            scaled++;
        }
        if (scaled == 0) throw new InvalidOperationException($"{model.GetType().Name} has no LoRA adapter to scale");
    }

    /// <summary>
    /// Folds every adapter of <paramref name="model"/> (<see cref="Linear.FoldLora"/>) until the returned scope is
    /// disposed: for sampling without gradients while the adapters do not change. A model without adapters folds nothing.
    /// </summary>
    public static IDisposable Folded(Module model)
    {
        var layers = model.NamedModules().Select(m => m.Module).OfType<Linear>().Where(l => l.Lora is { Merged: false }).ToList();
        try
        {
            foreach (var layer in layers) layer.FoldLora();
        }
        catch
        {
            foreach (var layer in layers) layer.UnfoldLora();
            throw;
        }
        return new Unfold(layers);
    }

    private sealed class Unfold(List<Linear> layers) : IDisposable
    {
        public void Dispose()
        {
            foreach (var layer in layers) layer.UnfoldLora();
            layers.Clear();
        }
    }

    public static void Merge(Module model)
    {
        foreach (var (_, m) in model.NamedModules()) if (m is Linear l) l.MergeLora();
    }

    public static void Unmerge(Module model)
    {
        foreach (var (_, m) in model.NamedModules()) if (m is Linear l) l.UnmergeLora();
    }
}
