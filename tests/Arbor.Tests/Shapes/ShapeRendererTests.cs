using Arbor.Shapes;

namespace Arbor.Tests.Shapes;

public class ShapeRendererTests
{
    private static readonly PromptSpec Spec = PromptSpec.Parse("a red circle and a yellow cross");

    [Fact]
    public void SameSeedGivesIdenticalBytes_DifferentSeedDifferentBytes()
    {
        var a = ShapesTestKit.Render(Spec, 123).Image;
        var b = ShapesTestKit.Render(Spec, 123).Image;
        var c = ShapesTestKit.Render(Spec, 124).Image;
        Assert.Equal(a.Pixels, b.Pixels);
        Assert.NotEqual(a.Pixels, c.Pixels);
    }

    [Fact]
    public void BytesAreFixedAcrossMachines()
    {
        // Golden checksums: SplitMix64, IEEE double arithmetic and integer blending leave no room for the machine.
        var scene = ShapesTestKit.Sampler(32).Sample(PromptSpec.Parse("a purple square to the left of a cyan circle"), 2024);
        var image = ShapesTestKit.Renderer.Render(scene);
        Assert.Equal(0xD22C4F1Bu, System.IO.Hashing.Crc32.HashToUInt32(image.Pixels));
    }

    [Fact]
    public void EdgesAreAntiAliasedBlendsOfTheColorAndTheBackground()
    {
        var scene = new Scene(32, [new SceneObject(ShapeKind.Circle, ShapeColor.Blue, SizeClass.Large, 12.3, 15.7, 16.2)]);
        var image = ShapesTestKit.Renderer.Render(scene);
        var bg = ShapePalette.Background;
        var blue = ShapeColor.Blue.ToRgb();
        int full = 0, partial = 0;
        for (int y = 0; y < 32; y++)
        {
            for (int x = 0; x < 32; x++)
            {
                var p = image.Pixel(x, y);
                if (p[0] == bg.R && p[1] == bg.G && p[2] == bg.B) continue;
                if (p[0] == blue.R && p[1] == blue.G && p[2] == blue.B) { full++; continue; }
                partial++;
                // A blend: every channel lies between the background and the color, at one common coverage.
                double a = (p[0] - bg.R) / (double)(blue.R - bg.R);
                Assert.InRange(a, 0.0, 1.0);
                Assert.InRange((p[1] - bg.G) / (double)(blue.G - bg.G), a - 0.02, a + 0.02);
                Assert.InRange((p[2] - bg.B) / (double)(blue.B - bg.B), a - 0.05, a + 0.05);
            }
        }

        Assert.InRange(partial, 20, 60);            // the circumference, ~π·12.3 ≈ 39 pixels
        Assert.InRange(full + (partial / 2.0), 105, 133); // area π·6.15² ≈ 119
        Assert.Equal(bg.R, image.Get(0, 0, 0));

        var aliased = new ShapeRenderer(supersample: 1).Render(scene);
        Assert.All(Enumerable.Range(0, 32 * 32), i => Assert.True(aliased.Pixels[i * 3] == bg.R || aliased.Pixels[i * 3] == blue.R));
    }

    [Fact]
    public void ColorsAreExactAndCoverageMatchesGeometry()
    {
        // A square on pixel boundaries covers whole pixels exactly.
        var scene = new Scene(32, [new SceneObject(ShapeKind.Square, ShapeColor.Green, SizeClass.Small, 6, 10, 20)]);
        var image = ShapesTestKit.Renderer.Render(scene);
        var green = ShapeColor.Green.ToRgb();
        int covered = 0;
        for (int y = 0; y < 32; y++)
        {
            for (int x = 0; x < 32; x++)
            {
                bool inside = x >= 7 && x < 13 && y >= 17 && y < 23;
                var p = image.Pixel(x, y);
                Assert.Equal(inside ? green.R : ShapePalette.Background.R, p[0]);
                if (inside) covered++;
            }
        }

        Assert.Equal(36, covered);
        Assert.Equal(new Rgb(220, 50, 50), ShapeColor.Red.ToRgb());
        Assert.Equal(new Rgb(40, 190, 200), ShapeColor.Cyan.ToRgb());
    }

    [Fact]
    public void RendersAtTheLayoutsCanvasSize()
    {
        var (scene, image) = ShapesTestKit.Render(Spec, 1, size: 64);
        Assert.Equal((64, 64, 3), (image.Width, image.Height, image.Channels));
        Assert.Equal(64, scene.CanvasSize);
    }
}
