using System.Globalization;
using Arbor.Tensors.Serialization;

namespace Arbor.Tensors.NN;

/// <summary>
/// LoRA adapters saved apart from the base weights: a safetensors file of "….lora.A" / "….lora.B"
/// tensors, with each layer's α in the metadata ("alpha.&lt;layer&gt;"), so it attaches to a fresh base.
/// </summary>
public static class LoraFile
{
    public static void Save(Module model, string path)
    {
        var adapters = model.NamedModules().Where(m => m.Module is LoraAdapter).ToList();
        if (adapters.Count == 0) throw new InvalidOperationException($"{model.GetType().Name} has no LoRA adapters to save");
        var metadata = adapters.ToDictionary(a => "alpha." + a.Name[..^".lora".Length],
            a => ((LoraAdapter)a.Module).Alpha.ToString("R", CultureInfo.InvariantCulture));
        metadata["format"] = "arbor-lora";
        Safetensors.Save(path, LoraInjection.LoraParameters(model).Select(p => KeyValuePair.Create(p.Name, p.Parameter)), metadata);
    }

    /// <summary>
    /// Attaches the file's adapters to the named Linear layers of <paramref name="model"/> (ranks from
    /// the tensors, α from the metadata) and loads their weights; a layer the model lacks is an error naming it.
    /// </summary>
    public static void Load(Module model, string path)
    {
        using var reader = Safetensors.Open(path);
        var layers = model.NamedModules().Where(m => m.Module is Linear).ToDictionary(m => m.Name, m => (Linear)m.Module);
        using var scope = Torch.NewScope();
        using var noGrad = Torch.NoGrad();
        var adapters = reader.Names.Where(n => n.EndsWith(".lora.A", StringComparison.Ordinal)).ToList();
        // without this, a model's weights given as --lora would attach nothing and the base would be sampled silently
        if (adapters.Count == 0)
        {
            throw new InvalidDataException($"LoRA file '{path}' holds no LoRA tensors (none named '<layer>.lora.A')" +
                (reader.Names.FirstOrDefault() is { } other ? $": its {reader.Names.Count} tensors, such as '{other}', are not adapters " +
                    $"(a model's weights?)" : ": it holds no tensors"));
        }
        foreach (var name in adapters)
        {
            var layerName = name[..^".lora.A".Length];
            if (!layers.TryGetValue(layerName, out var layer))
            {
                throw new ArgumentException($"LoRA file '{path}' adapts '{layerName}', which is not a Linear layer of " +
                    $"{model.GetType().Name}");
            }
            if (!reader.Metadata.TryGetValue("alpha." + layerName, out var alphaText))
                throw new InvalidDataException($"LoRA file '{path}' has no alpha for '{layerName}'");
            var a = reader.LoadTensor(name);
            var b = reader.LoadTensor(layerName + ".lora.B");
            var adapter = layer.Lora ?? layer.AttachLora((int)a.Size(0), double.Parse(alphaText, CultureInfo.InvariantCulture));
            if (!adapter.A.Shape.SequenceEqual(a.Shape) || !adapter.B.Shape.SequenceEqual(b.Shape))
            {
                throw new ArgumentException($"LoRA '{layerName}' in '{path}' has shapes A [{string.Join(", ", a.Shape)}], B " +
                    $"[{string.Join(", ", b.Shape)}], the layer needs A [{string.Join(", ", adapter.A.Shape)}], B " +
                    $"[{string.Join(", ", adapter.B.Shape)}]");
            }
            adapter.A.CopyFrom(a);
            adapter.B.CopyFrom(b);
        }
    }
}
