using System.Text.Json;
using Arbor.Configuration;
using Arbor.Models;
using Arbor.Runs;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;
using Arbor.Tensors.Serialization;

namespace Arbor.Training;

/// <summary>
/// An RL checkpoint directory, written atomically: the trained weights (LoRA adapters, or the full DiT),
/// the optimizer state, the EMA of the weights when the run keeps one, the number of finished iterations and
/// the training time spent so far (for time budgets). Every random draw of an iteration is
/// derived from (seed, iteration), so this is all a resumed run needs to continue exactly.
/// </summary>
public static class GrpoCheckpoint
{
    public const string LoraFileName = "lora.safetensors";
    public const string ModelFileName = "model.safetensors";

    public const string EmaFileName = "ema.safetensors";
    public const string OldPolicyFileName = "old-policy.safetensors";

    /// <summary>What a checkpoint says of the run's progress; with <c>train.keep_best</c>, where its best-weights choice
    /// stood (<see cref="BestWeights"/>).</summary>
    public sealed record State(long Iterations, double TrainingSeconds = 0, BestWeightsState? Best = null);

    public static void Save(string directory, Module model, bool lora, Optimizer optimizer, long iterations, GrpoTrainConfig config,
        ExponentialMovingAverage? ema = null, double trainingSeconds = 0, ExponentialMovingAverage? oldPolicy = null,
        BestWeightsState? best = null)
    {
        AtomicDirectory.Write(directory, tmp =>
        {
            if (lora) LoraFile.Save(model, Path.Combine(tmp, LoraFileName));
            else Safetensors.Save(Path.Combine(tmp, ModelFileName), model.StateDict());
            using (var scope = Torch.NewScope())
                Safetensors.Save(Path.Combine(tmp, "optimizer.safetensors"), optimizer.StateDict());
            if (ema is not null) Safetensors.Save(Path.Combine(tmp, EmaFileName), ema.StateDict());
            if (oldPolicy is not null) Safetensors.Save(Path.Combine(tmp, OldPolicyFileName), oldPolicy.StateDict());
            File.WriteAllText(Path.Combine(tmp, "state.json"), JsonSerializer.Serialize(new State(iterations, trainingSeconds, best)));
            File.WriteAllText(Path.Combine(tmp, "config.yaml"), ConfigLoader.ToYaml(config));
        });
    }

    /// <summary>Restores weights, optimizer, EMA and the loss's old policy (DiffusionNFT); returns the run's progress.</summary>
    public static State Load(string directory, Module model, bool lora, Optimizer optimizer, ExponentialMovingAverage? ema = null,
        ExponentialMovingAverage? oldPolicy = null)
    {
        var dir = AtomicDirectory.Resolve(directory) ?? throw new DirectoryNotFoundException($"no checkpoint at '{directory}'");
        using var scope = Torch.NewScope();
        try
        {
            if (lora) LoraFile.Load(model, Path.Combine(dir, LoraFileName));
            else model.LoadStateDict(Safetensors.Load(Path.Combine(dir, ModelFileName)));
            optimizer.LoadStateDict(Safetensors.Load(Path.Combine(dir, "optimizer.safetensors")));
            if (ema is not null)
            {
                var emaFile = Path.Combine(dir, EmaFileName);
                if (!File.Exists(emaFile))
                {
                    throw new InvalidDataException($"checkpoint '{dir}' has no {EmaFileName}, but train.ema_decay is set; resume with " +
                        $"the config the run started with");
                }
                ema.LoadStateDict(Safetensors.Load(emaFile));
            }
            if (oldPolicy is not null)
            {
                var oldFile = Path.Combine(dir, OldPolicyFileName);
                if (!File.Exists(oldFile))
                {
                    throw new InvalidDataException($"checkpoint '{dir}' has no {OldPolicyFileName}, which the nft strategy needs; resume " +
                        $"with the config the run started with");
                }
                oldPolicy.LoadStateDict(Safetensors.Load(oldFile));
            }
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"checkpoint '{dir}' does not match this run's model or LoRA config: {e.Message}", e);
        }
        return ReadState(dir);
    }

    /// <summary>The progress a checkpoint records (state.json), with an error naming the file when it is unreadable.</summary>
    public static State ReadState(string directory) => CheckpointState.Read<State>(directory);
}
