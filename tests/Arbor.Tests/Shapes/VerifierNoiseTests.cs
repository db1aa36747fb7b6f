using Arbor.Imaging;
using Arbor.Shapes;

namespace Arbor.Tests.Shapes;

/// <summary>Images with no objects must not pass: a reward that pays for noise would be hacked at once.</summary>
public class VerifierNoiseTests(ITestOutputHelper output)
{
    private static IReadOnlyList<PromptSpec> Prompts { get; } = new ShapesSplits().AllTestPrompts;

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void BlankCanvasesPassNothingAndScoreZero(int size)
    {
        var blank = ShapesTestKit.Blank(size);
        Assert.Empty(ShapesTestKit.Verifier.Detect(blank).Objects);
        foreach (var spec in Prompts)
        {
            var r = ShapesTestKit.Verifier.Verify(blank, spec);
            Assert.False(r.Pass);
            Assert.Equal(0.0, r.Score);
        }
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void UniformNoisePassesAtMostFivePercent(int size)
    {
        int passed = 0, objects = 0;
        double score = 0;
        for (int i = 0; i < Prompts.Count; i++)
        {
            var noise = ShapesTestKit.UniformNoise(size, (ulong)i);
            var r = ShapesTestKit.Verifier.Verify(noise, Prompts[i]);
            objects += r.Detections.Objects.Count;
            score += r.Score;
            if (r.Pass) passed++;
        }

        output.WriteLine($"uniform noise @ {size}px: {passed}/{Prompts.Count} pass, {objects} objects detected, mean score " +
            $"{score / Prompts.Count:F4}");
        Assert.True(passed <= 0.05 * Prompts.Count, $"{passed}/{Prompts.Count} noise images passed");
        Assert.True(score / Prompts.Count < 0.05);
    }

    [Fact]
    public void NoisyBackgroundsAndSolidColorsPassNothing()
    {
        var images = new List<Image8>();
        for (int i = 0; i < 20; i++) images.Add(ShapesTestKit.AddNoise(ShapesTestKit.Blank(32), 30, (ulong)i));
        foreach (var color in ShapePalette.Colors)
        {
            var solid = new Image8(32, 32, 3);
            var rgb = color.ToRgb();
            for (int p = 0; p < solid.Pixels.Length; p += 3)
                (solid.Pixels[p], solid.Pixels[p + 1], solid.Pixels[p + 2]) = (rgb.R, rgb.G, rgb.B);
            images.Add(solid);
            images.Add(ShapesTestKit.AddNoise(solid, 20, 1));
        }

        var black = new Image8(32, 32, 3);
        images.Add(black);
        foreach (var image in images)
        {
            foreach (var spec in Prompts.Take(60)) Assert.False(ShapesTestKit.Verifier.Verify(image, spec).Pass);
            Assert.DoesNotContain(ShapesTestKit.Verifier.Detect(image).Objects, o => o.Shape is not null);
        }
    }

    [Fact]
    public void AntiAliasedEdgesCreateNoSpuriousObjects()
    {
        // Half-covered edge pixels of every color are nearer to another palette color than to their own in places
        // (a red/background blend is nearest to purple); they must neither form objects nor split the real ones.
        for (int i = 0; i < 300; i++)
        {
            var spec = ShapesTestKit.Prompt(TaskFamily.Counting, 60, i);
            var (scene, image) = ShapesTestKit.Render(spec, (ulong)i);
            var found = ShapesTestKit.Verifier.Detect(image);
            Assert.Equal(scene.Objects.Count, found.Objects.Count);
            Assert.Equal(0, found.IgnoredComponents);
        }
    }
}
