using System.Diagnostics;
using System.Text.Json;
using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Shapes;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.TestKit;
using Arbor.Text;

namespace Arbor.Cli.Tests;

/// <summary>`arbor eval --against`, run as the real process on a tiny model.</summary>
public class EvalAgainstTests : IDisposable
{
    readonly TempDirectory _temp = new("arbor-cli-eval-");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task ALoraWithZeroBAtAnyScaleAgainstItsBaseReportsNoChangeAtAll()
    {
        var model = Path.Combine(_temp.Path, "base");
        var lora = Path.Combine(_temp.Path, "zero-b.safetensors");
        var tokenizer = new WordTokenizer(ShapesVocabulary.Words);
        using (var gen = new Generator(7))
        using (var pipeline = TextToImagePipeline.Create(new DiTConfig
        {
            ImageSize = 16, PatchSize = 4, Dim = 32, Depth = 1, Heads = 2, MlpRatio = 2,
            Text = new TextEncoderConfig { MaxTokens = 16, Dim = 16, Depth = 1, Heads = 2 }
        }, tokenizer, gen))
        {
            pipeline.Save(model);
            // B is zero: the adapter changes nothing
            LoraInjection.Apply(pipeline.Model, new Arbor.Training.LoraConfig().Pattern, 2, 4, gen);
            LoraFile.Save(pipeline.Model, lora);
        }
        var output = Path.Combine(_temp.Path, "eval");

        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "arbor.dll"), "eval", "--model", model, "--lora", lora,
                     "--lora-scale", "3", "--against", model, "--per-family", "3", "--steps", "2", "--out", output })
        {
            start.ArgumentList.Add(a);
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stdout = await process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.True(process.ExitCode == 0, await stderr + stdout);

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(output, "accuracy.json")));
        Assert.Equal(3.0, json.RootElement.GetProperty("lora_scale").GetDouble());   // three times a zero update: still none
        var paired = json.RootElement.GetProperty("comparison").GetProperty("paired").EnumerateArray().ToList();
        Assert.Equal(["in_distribution", "compositional"], paired.Select(p => p.GetProperty("set").GetString()));
        foreach (var p in paired)
        {
            Assert.Equal(18, p.GetProperty("n").GetInt32());
            var overall = p.GetProperty("overall");
            Assert.Equal(0.0, overall.GetProperty("Change").GetDouble());
            Assert.Equal(0, overall.GetProperty("Gained").GetInt32());
            Assert.Equal(0, overall.GetProperty("Lost").GetInt32());
            Assert.Equal(1.0, overall.GetProperty("PValue").GetDouble());
            Assert.Equal(0.0, p.GetProperty("partial").GetProperty("Mean").GetDouble());
            foreach (var family in p.GetProperty("by_family").EnumerateObject())
                Assert.Equal(0.0, family.Value.GetProperty("Change").GetDouble());
        }
        Assert.Contains("p = 1", stdout);
    }
}
