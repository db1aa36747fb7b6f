using System.CommandLine;
using Arbor.Cli.Bench;
using Arbor.Pipelines;
using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Cli.Commands;

/// <summary>Options shared by the commands that load a generator.</summary>
public static class ModelOptions
{
    public const string DefaultModel = "models/shapes-base";

    public static Option<string?> Model() => new("--model") { Description = $"Model directory (default {DefaultModel})" };
    public static Option<string?> Lora() => new("--lora") { Description = "LoRA adapters (safetensors) to apply to the model" };

    /// <summary>--precision: the sampler's matrix products (<see cref="Precision"/>;
    /// bf16 pays only where the CPU has bf16 matrix units).</summary>
    /// <remarks>Left out, the option reads as fp32 (the enum's default), which help says in words: System.CommandLine
    /// would print a default as the member's name, "Fp32", not as the spelling the parser takes.</remarks>
    public static Option<Precision> Precision(string name = "--precision",
        string description =
            "Matrix products in fp32 (default), bf16, or auto (bf16 where the CPU has bf16 matrix units: "
            + "about 4x faster with AMX)") => new(name)
            {
                Description = description,
                HelpName = "fp32|bf16|auto",
                CustomParser = r => ComputePrecision.FromName(r.Tokens.Single().Value)
                    ?? throw new ArgumentException($"{name} '{r.Tokens.Single().Value}' is unknown (expected fp32, bf16 or auto)"),
            };

    /// <summary>The given directory, or the shipped base found above the working directory or the CLI.</summary>
    public static string Resolve(string? dir)
    {
        if (dir is not null) return dir;
        var card = RepoPaths.Find(Path.Combine(DefaultModel, TextToImagePipeline.ConfigFile));
        return card is not null ? Path.GetDirectoryName(card)!
            : throw new DirectoryNotFoundException($"no --model given and {DefaultModel} was not found");
    }

    /// <summary>
    /// The model a run uses: <paramref name="given"/> (a command's --model) when set, else the config's `model:`, where
    /// the default name means the shipped base found as <see cref="Resolve"/> finds it.
    /// </summary>
    public static string ForConfig(string configModel, string? given = null) =>
        Resolve(given ?? (configModel == DefaultModel ? null : configModel));

    public static TextToImagePipeline Load(string dir, string? lora)
    {
        var pipeline = TextToImagePipeline.Load(dir);
        if (lora is not null) LoraFile.Load(pipeline.Model, lora);
        pipeline.Model.Eval();
        return pipeline;
    }
}
