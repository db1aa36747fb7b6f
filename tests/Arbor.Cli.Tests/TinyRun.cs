using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Shapes;
using Arbor.Tensors;
using Arbor.Text;

namespace Arbor.Cli.Tests;

/// <summary>
/// The smallest real model and run for tests that need an `arbor` process busy for as long as they like: a one-block
/// 16-pixel generator (milliseconds per forward) and an `arbor train` config that iterates until it is stopped.
/// </summary>
internal static class TinyRun
{
    /// <summary>Saves the tiny generator in <paramref name="directory"/>/<paramref name="name"/> and returns that path.</summary>
    public static string SaveModel(string directory, string name = "base")
    {
        var model = Path.Combine(directory, name);
        using var gen = new Generator(7);
        using var pipeline = TextToImagePipeline.Create(new DiTConfig
        {
            ImageSize = 16, PatchSize = 4, Dim = 32, Depth = 1, Heads = 2, MlpRatio = 2,
            Text = new TextEncoderConfig { MaxTokens = 16, Dim = 16, Depth = 1, Heads = 2 }
        }, new WordTokenizer(ShapesVocabulary.Words), gen);
        pipeline.Save(model);
        return model;
    }

    /// <summary>
    /// Writes an `arbor train` config on the tiny model with 100000 iterations and a checkpoint only every 1000 (so a
    /// checkpoint a test finds is the one its stop wrote), and returns its path.
    /// </summary>
    public static string WriteEndlessTrainConfig(string directory) => WriteTrainConfig(directory, 100000);

    /// <summary>An `arbor train` config on the tiny model with <paramref name="iterations"/>
    /// iterations (checkpoints every 1000 and at the end); returns its path.</summary>
    public static string WriteTrainConfig(string directory, int iterations)
    {
        var config = Path.Combine(directory, "run.yaml");
        File.WriteAllText(config, TrainConfigText(SaveModel(directory), iterations));
        return config;
    }

    /// <summary>The text of <see cref="WriteTrainConfig"/>'s config on the model at <paramref name="model"/>.</summary>
    public static string TrainConfigText(string model, int iterations) => $"""
            model: {model}
            strategy: flow_grpo
            flow_grpo:
              steps: 3
              group_size: 2
            rollout:
              guidance: 1.0
            reward:
              names: [jpeg_compressibility]
            train:
              iterations: {iterations}
              prompts_per_iteration: 1
              checkpoint_every: 1000
            eval:
              every: 0
              prompts_per_family: 1
              steps: 2
              cache_base: false
            split:
              test_prompts_per_family: 2
              rl_prompts_per_family: 3
            """;
}
