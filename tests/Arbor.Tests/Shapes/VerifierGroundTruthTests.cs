using Arbor.Shapes;

namespace Arbor.Tests.Shapes;

public class VerifierGroundTruthTests(ITestOutputHelper output)
{
    public static TheoryData<TaskFamily, int> FamiliesAndSizes()
    {
        var data = new TheoryData<TaskFamily, int>();
        foreach (int size in new[] { 32, 64 })
        {
            foreach (var f in TaskFamilies.All) data.Add(f, size);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FamiliesAndSizes))]
    public void RenderedGroundTruthPassesStrictly(TaskFamily family, int size)
    {
        const int n = 300;
        int passed = 0;
        string? firstFailure = null;
        for (int i = 0; i < n; i++)
        {
            var spec = ShapesTestKit.Prompt(family, 20 + (ulong)size, i);
            var (_, image) = ShapesTestKit.Render(spec, (ulong)(1000 + i), size);
            var result = ShapesTestKit.Verifier.Verify(image, spec);
            Assert.Equal(result.Pass, result.Score == 1.0);
            if (result.Pass) passed++;
            else firstFailure ??= result.Describe();
        }

        output.WriteLine($"{family.Name()} @ {size}px: {passed}/{n} strict");
        Assert.True(passed >= 0.99 * n, $"{family.Name()} at {size}px: {passed}/{n}; first failure:\n{firstFailure}");
    }

    [Theory]
    [InlineData(32)]
    [InlineData(64)]
    public void DetectionsMatchTheSceneObjectByObject(int size)
    {
        int objects = 0, exact = 0;
        double worstCenterError = 0;
        for (int i = 0; i < 400; i++)
        {
            var spec = ShapesTestKit.Prompt(TaskFamilies.All[i % 6], 30, i);
            var (scene, image) =
                ShapesTestKit.Render(spec, (ulong)i, size, extraObjects: spec.Clauses.Count == 1 && spec.Clauses[0].Count < 4 ? 1 : 0);
            var found = ShapesTestKit.Verifier.Detect(image);
            Assert.Equal(scene.Objects.Count, found.Objects.Count);
            foreach (var o in scene.Objects)
            {
                objects++;
                var d = found.Objects.MinBy(d => Math.Pow(d.CenterX - o.CenterX, 2) + Math.Pow(d.CenterY - o.CenterY, 2))!;
                worstCenterError = Math.Max(worstCenterError, Math.Max(Math.Abs(d.CenterX - o.CenterX), Math.Abs(d.CenterY - o.CenterY)));
                if (d.Shape == o.Shape && d.Color == o.Color && d.SizeClass == o.SizeClass) exact++;
            }
        }

        output.WriteLine($"{size}px: {exact}/{objects} objects exact, worst center error {worstCenterError:F2} px");
        Assert.Equal(objects, exact);
        // Box centers are sub-pixel: within ~0.15 px, except a triangle's y, biased ≤ 0.6 px by its thin apex row.
        Assert.True(worstCenterError < 0.75, $"center error {worstCenterError:F2} px");
    }

    [Theory]
    [InlineData("noise", 16)]
    [InlineData("brighter", 15)]
    [InlineData("darker", -15)]
    public void ToleratesPixelNoiseAndBrightnessDrift(string kind, int amount)
    {
        // Generated images are never exact: ±16 per channel of noise, or every byte shifted by 15 (the background
        // clipping at 255), must not break ground truth.
        var board = new FamilyScoreboard();
        for (int i = 0; i < 600; i++)
        {
            var spec = ShapesTestKit.Prompt(TaskFamilies.All[i % 6], 40, i);
            var (_, image) = ShapesTestKit.Render(spec, (ulong)i);
            var degraded = kind == "noise" ? ShapesTestKit.AddNoise(image, amount, (ulong)i) : ShapesTestKit.Shift(image, amount);
            board.Add(ShapesTestKit.Verifier.Verify(degraded, spec));
        }

        output.WriteLine(board.ToString());
        Assert.True(board.OverallStrict >= 0.97, board.ToString());
    }

    [Fact]
    public void VerifiesPromptTextAndRgbaImages()
    {
        var spec = PromptSpec.Parse("a purple square to the left of a cyan circle");
        var (_, rgb) = ShapesTestKit.Render(spec, 3);
        Assert.True(ShapesTestKit.Verifier.Verify(rgb, "a purple square to the left of a cyan circle").Pass);
        var rgba = new Arbor.Imaging.Image8(32, 32, 4);
        for (int i = 0; i < 32 * 32; i++)
        {
            for (int c = 0; c < 3; c++) rgba.Pixels[(i * 4) + c] = rgb.Pixels[(i * 3) + c];
            rgba.Pixels[(i * 4) + 3] = 255;
        }

        Assert.True(ShapesTestKit.Verifier.Verify(rgba, spec).Pass);
        Assert.Throws<PromptParseException>(() => ShapesTestKit.Verifier.Verify(rgb, "a purple dog"));
        Assert.Throws<ArgumentException>(() => ShapesTestKit.Verifier.Detect(new Arbor.Imaging.Image8(8, 8, 1)));
        string described = ShapesTestKit.Verifier.Describe(rgb);
        Assert.Contains("purple square", described);
        Assert.Contains("cyan circle", described);
    }
}
