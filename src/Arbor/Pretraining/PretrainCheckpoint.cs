using System.Text.Json;
using Arbor.Configuration;
using Arbor.Models;
using Arbor.Runs;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;
using Arbor.Tensors.Serialization;

namespace Arbor.Pretraining;

/// <summary>
/// What a resumed pretraining run needs besides the weights: where it was, its RNG and its last loss; WallSeconds sums
/// the time of every session of a resumed run.
/// </summary>
public sealed record PretrainProgressState(long Step, string GeneratorState, double LastLoss, double WallSeconds = 0);

/// <summary>
/// A pretraining checkpoint directory, written atomically (<see cref="AtomicDirectory"/>):
/// <code>
///   model.safetensors      live weights          ema.safetensors   EMA weights
///   optimizer.safetensors  AdamW state           state.json        step, RNG state
///   config.yaml            the run's effective config
/// </code>
/// </summary>
public static class PretrainCheckpoint
{
    public static void Save(string directory, Module model, AdamW optimizer, ExponentialMovingAverage ema, Generator rng,
        long step, double lastLoss, PretrainConfig config, double wallSeconds = 0)
    {
        AtomicDirectory.Write(directory, tmp =>
        {
            Safetensors.Save(Path.Combine(tmp, "model.safetensors"), model.StateDict());
            Safetensors.Save(Path.Combine(tmp, "ema.safetensors"), ema.StateDict());
            using (var scope = Torch.NewScope())
                Safetensors.Save(Path.Combine(tmp, "optimizer.safetensors"), optimizer.StateDict());
            var state = new PretrainProgressState(step, Convert.ToBase64String(rng.GetState()), lastLoss, wallSeconds);
            File.WriteAllText(Path.Combine(tmp, "state.json"), JsonSerializer.Serialize(state));
            File.WriteAllText(Path.Combine(tmp, "config.yaml"), ConfigLoader.ToYaml(config));
        });
    }

    /// <summary>
    /// Restores everything <see cref="Save"/> wrote; a checkpoint from another model config fails naming the mismatch, and
    /// one of the other model kind than <paramref name="kind"/> (same shapes, other meaning) naming both kinds.
    /// </summary>
    public static PretrainProgressState Load(string directory, Module model, AdamW optimizer, ExponentialMovingAverage ema, Generator rng,
        ModelKind kind)
    {
        var state = ReadState(directory);   // first: a checkpoint with a corrupt state changes nothing in the model
        var dir = AtomicDirectory.Resolve(directory)!;
        var saved = Path.Combine(dir, "config.yaml");
        if (File.Exists(saved) && ConfigLoader.Load<PretrainConfig>(saved).Model.Kind is var was && was != kind)
        {
            throw new ModelKindMismatchException($"checkpoint '{dir}' holds {ModelKinds.Describe(was)}, but this run's model.kind " +
                $"makes {ModelKinds.Describe(kind)}: resume it with its own kind, or start a new run");
        }
        using var scope = Torch.NewScope();
        try
        {
            model.LoadStateDict(Safetensors.Load(Path.Combine(dir, "model.safetensors")));
            ema.LoadStateDict(Safetensors.Load(Path.Combine(dir, "ema.safetensors")));
            optimizer.LoadStateDict(Safetensors.Load(Path.Combine(dir, "optimizer.safetensors")));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"checkpoint '{dir}' does not match this run's model config: {e.Message}", e);
        }
        rng.SetState(Convert.FromBase64String(state.GeneratorState));
        return state;
    }

    /// <summary>The progress a checkpoint records (state.json), with an error naming the file when it is unreadable.</summary>
    public static PretrainProgressState ReadState(string directory) => CheckpointState.Read<PretrainProgressState>(directory);
}
