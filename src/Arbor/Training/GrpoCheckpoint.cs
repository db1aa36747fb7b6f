using System.Text.Json;
using Arbor.Configuration;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;
using Arbor.Tensors.Serialization;

namespace Arbor.Training;

/// <summary>
/// An RL checkpoint directory, written atomically: the trained weights (LoRA adapters, or the full DiT),
/// the optimizer state, and the number of finished iterations. Every random draw of an iteration is
/// derived from (seed, iteration), so this is all a resumed run needs to continue exactly.
/// </summary>
public static class GrpoCheckpoint
{
    public const string LoraFileName = "lora.safetensors";
    public const string ModelFileName = "model.safetensors";

    private sealed record State(long Iterations);

    public static void Save(string directory, Module model, bool lora, Optimizer optimizer, long iterations, GrpoTrainConfig config)
    {
        AtomicDirectory.Write(directory, tmp =>
        {
            if (lora) LoraFile.Save(model, Path.Combine(tmp, LoraFileName));
            else Safetensors.Save(Path.Combine(tmp, ModelFileName), model.StateDict());
            using (var scope = Torch.NewScope())
                Safetensors.Save(Path.Combine(tmp, "optimizer.safetensors"), optimizer.StateDict());
            File.WriteAllText(Path.Combine(tmp, "state.json"), JsonSerializer.Serialize(new State(iterations)));
            File.WriteAllText(Path.Combine(tmp, "config.yaml"), ConfigLoader.ToYaml(config));
        });
    }

    /// <summary>Restores weights and optimizer; returns the finished iterations.</summary>
    public static long Load(string directory, Module model, bool lora, Optimizer optimizer)
    {
        var dir = AtomicDirectory.Resolve(directory) ?? throw new DirectoryNotFoundException($"no checkpoint at '{directory}'");
        using var scope = Torch.NewScope();
        try
        {
            if (lora) LoraFile.Load(model, Path.Combine(dir, LoraFileName));
            else model.LoadStateDict(Safetensors.Load(Path.Combine(dir, ModelFileName)));
            optimizer.LoadStateDict(Safetensors.Load(Path.Combine(dir, "optimizer.safetensors")));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"checkpoint '{dir}' does not match this run's model or LoRA config: {e.Message}", e);
        }
        var state = JsonSerializer.Deserialize<State>(File.ReadAllText(Path.Combine(dir, "state.json")))
                    ?? throw new InvalidDataException($"checkpoint '{dir}' has an empty state.json");
        return state.Iterations;
    }
}
