using System.CommandLine;
using System.Text.Json;
using Arbor.Imaging;
using Arbor.Pipelines;
using Arbor.Runs;
using Arbor.Sampling;
using Arbor.Shapes;
using Arbor.Tensors;
using Spectre.Console;

namespace Arbor.Cli.Commands;

/// <summary>
/// `arbor sample --model DIR (--prompt TEXT | --prompts FILE) --n N --steps 40 --cfg 4.5 --seed S --out DIR`:
/// one PNG per image, a grid, and manifest.json (prompt, seed, file, verifier verdict).
/// </summary>
public static class SampleCommand
{
    /// <summary>What `arbor sample` writes into --out: its images, grid.png and, always, manifest.json.</summary>
    public static readonly OutputKind Output = OutputKind.Directory("an `arbor sample` output", ["manifest.json"]);

    public static Command Create()
    {
        var model = ModelOptions.Model();
        var lora = ModelOptions.Lora();
        var prompt = new Option<string?>("--prompt") { Description = "One prompt" };
        var prompts = new Option<string?>("--prompts") { Description = "A file with one prompt per line" };
        var n = new Option<int>("--n") { Description = "Images per prompt", DefaultValueFactory = _ => 4 };
        var steps = SamplingOptions.Steps();
        var cfg = SamplingOptions.Guidance("Classifier-free guidance weight");
        var seed = new Option<ulong>("--seed") { Description = "Seed of the initial noise", DefaultValueFactory = _ => 0 };
        var sampler = new Option<string>("--sampler") { Description = "euler or heun", DefaultValueFactory = _ => "euler" };
        var output = new Option<string>("--out") { Description = "Output directory", DefaultValueFactory = _ => "samples" };
        var precision = ModelOptions.Precision();
        var cmd = new Command("sample", "Generate images from prompts and verify them.")
        {
            model, lora, prompt, prompts, n, steps, cfg, seed, sampler, precision, output
        };
        cmd.SetAction(r =>
        {
            var list = r.GetValue(prompt) is { } p ? [p]
                : r.GetValue(prompts) is { } file ? File.ReadAllLines(file).Select(l => l.Trim()).Where(l => l.Length > 0).ToList()
                : throw new ArgumentException("give --prompt TEXT or --prompts FILE");
            return Run(ModelOptions.Resolve(r.GetValue(model)), r.GetValue(lora), list, r.GetValue(n), r.GetValue(steps), r.GetValue(cfg),
                r.GetValue(seed), r.GetValue(sampler)!, r.GetValue(precision), r.GetValue(output)!);
        });
        return cmd;
    }

    private static int Run(string modelDir, string? lora, List<string> prompts, int n, int steps, double cfg, ulong seed,
        string samplerName, Precision precision, string outDir)
    {
        // named here: System.CommandLine's own message for a bad count names a parameter the user never typed
        if (n < 1) throw new ArgumentException($"--n must be >= 1 (got {n})");
        if (steps < 1) throw new ArgumentException($"--steps must be >= 1 (got {steps})");
        // before the model loads: a user's directory is refused in a second, and none of its files is overwritten
        OutputGuard.CheckCanWrite(outDir, Output);
        Interruption.StopsCleanly("stopping after the current prompt's images",
            $"stopped at once; the images written so far are in {outDir}, without grid.png and manifest.json");
        ThreadDefaults.Apply();
        using var pipeline = ModelOptions.Load(modelDir, lora);
        using var products = ComputePrecision.Use(precision);
        var sampler = OdeSamplers.For(OdeSamplers.Parse(samplerName), pipeline.Model.Process.Kind);
        var verifier = new ShapesVerifier();
        Directory.CreateDirectory(outDir);
        var manifest = new List<object>();
        var tiles = new List<Image8>();
        int promptsDone = 0;
        foreach (var (text, pi) in prompts.Select((t, i) => (t, i)))
        {
            if (Interruption.Token.IsCancellationRequested) break;
            var spec = PromptSpec.Parse(text);   // fails early, naming an unknown word
            using var scope = Torch.NewScope();
            ulong promptSeed = seed + (ulong)pi * 1000;
            using var generator = new Generator(promptSeed);
            var images =
                TextToImagePipeline.ToImages(pipeline.Generate(Enumerable.Repeat(text, n).ToList(), generator, steps, cfg, sampler));
            for (int k = 0; k < n; k++)
            {
                var file = $"{pi:D3}-{k:D2}.png";
                PngEncoder.Write(Path.Combine(outDir, file), images[k],
                    new Dictionary<string, string> { ["prompt"] = text, ["seed"] = $"{promptSeed}", ["index"] = $"{k}" });
                var verdict = verifier.Verify(images[k], spec);
                manifest.Add(new
                {
                    prompt = text,
                    seed = promptSeed,
                    index = k,
                    file,
                    family = spec.Family.Name(),
                    pass = verdict.Pass,
                    score = verdict.Score
                });
                tiles.Add(ImageGrid.Upscale(images[k], 4));
                AnsiConsole.MarkupLine($"{Markup.Escape(file)}  {(verdict.Pass ? "[green]pass[/]" : "[red]fail[/]")} " +
                    $"{verdict.Score:F2}  {Markup.Escape(text)}");
            }
            promptsDone++;
        }
        bool stopped = promptsDone < prompts.Count;
        // stopped by a signal: the prompts done so far get their grid and manifest, as a shorter prompt list would
        if (tiles.Count > 0) PngEncoder.Write(Path.Combine(outDir, "grid.png"), ImageGrid.Compose(tiles, n, padding: 4));
        File.WriteAllText(Path.Combine(outDir, "manifest.json"),
            JsonSerializer.Serialize(manifest, new JsonSerializerOptions { WriteIndented = true }));
        if (stopped)
        {
            Console.Out.Flush();
            Console.Error.WriteLine($"sample interrupted after {promptsDone} of {prompts.Count} prompts: their {manifest.Count} " +
                $"images{(tiles.Count > 0 ? ", grid.png" : "")} and manifest.json are in {outDir}");
            return Interruption.ExitCode;
        }
        AnsiConsole.MarkupLine($"{manifest.Count} images, grid and manifest.json in {Markup.Escape(outDir)}");
        return 0;
    }
}
