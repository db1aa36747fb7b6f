using Arbor.Shapes;

namespace Arbor.Tests.Shapes;

public class SceneSamplerTests
{
    public static TheoryData<TaskFamily, int> FamiliesAndSizes()
    {
        var data = new TheoryData<TaskFamily, int>();
        foreach (var f in TaskFamilies.All)
        {
            data.Add(f, 32);
            data.Add(f, 64);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(FamiliesAndSizes))]
    public void ScenesSatisfyTheirPromptExactly_InsideTheCanvas_WithoutOverlap(TaskFamily family, int size)
    {
        var layout = new SceneLayout { CanvasSize = size };
        var sampler = new SceneSampler(layout);
        double border = layout.BorderFraction * size, gap = layout.GapFraction * size;
        for (int i = 0; i < 200; i++)
        {
            var spec = ShapesTestKit.Prompt(family, 10, i);
            var scene = sampler.Sample(spec, (ulong)i);
            Assert.Equal(size, scene.CanvasSize);
            Assert.Equal(spec.ObjectCount, scene.Objects.Count);
            Assert.True(ShapesTestKit.Holds(scene, spec), $"{spec}: {scene}");
            foreach (var o in scene.Objects)
            {
                Assert.InRange(o.Left, border - 1e-9, size);
                Assert.InRange(o.Right, 0, size - border + 1e-9);
                Assert.InRange(o.Top, border - 1e-9, size);
                Assert.InRange(o.Bottom, 0, size - border + 1e-9);
                double nominal = layout.NominalPixels(o.SizeClass);
                Assert.InRange(o.Size, nominal * 0.9 - 1e-9, nominal * 1.1 + 1e-9);
            }

            for (int a = 0; a < scene.Objects.Count; a++)
            {
                for (int b = a + 1; b < scene.Objects.Count; b++)
                {
                    var p = scene.Objects[a];
                    var q = scene.Objects[b];
                    double need = ((p.Size + q.Size) / 2) + gap - 1e-9;
                    Assert.True(Math.Abs(p.CenterX - q.CenterX) >= need || Math.Abs(p.CenterY - q.CenterY) >= need, $"overlap in {scene}");
                }
            }
        }
    }

    [Fact]
    public void PositionScenesHaveAClearMargin()
    {
        var layout = new SceneLayout();
        var sampler = new SceneSampler(layout);
        for (int i = 0; i < 300; i++)
        {
            var spec = ShapesTestKit.Prompt(TaskFamily.Position, 11, i);
            var scene = sampler.Sample(spec, (ulong)i);
            var (a, b) = (scene.Objects[0], scene.Objects[1]);
            double dx = b.CenterX - a.CenterX, dy = b.CenterY - a.CenterY;
            (double along, double cross) = spec.Relation switch
            {
                Relation.LeftOf => (dx, dy),
                Relation.RightOf => (-dx, dy),
                Relation.Above => (dy, dx),
                _ => (-dy, dx),
            };
            Assert.True(along >= ((a.Size + b.Size) / 2) + (layout.GapFraction * layout.CanvasSize) - 1e-9);
            Assert.True(Math.Abs(cross) <= layout.RelationCrossRatio * along + 1e-9);
        }
    }

    [Fact]
    public void SameSeedSameScene_OpenAttributesVary()
    {
        var sampler = ShapesTestKit.Sampler(32);
        var spec = PromptSpec.Parse("a circle");
        Assert.Equal(sampler.Sample(spec, 5).Objects.Single(), sampler.Sample(spec, 5).Objects.Single());
        var scenes = Enumerable.Range(0, 300).Select(i => sampler.Sample(spec, (ulong)i).Objects.Single()).ToList();
        Assert.Equal(6, scenes.Select(o => o.Color).Distinct().Count());
        Assert.Equal(2, scenes.Select(o => o.SizeClass).Distinct().Count());
        Assert.True(scenes.Select(o => (o.CenterX, o.CenterY)).Distinct().Count() > 290);

        // Stated attributes never vary.
        var red = PromptSpec.Parse("a large red circle on the right");
        Assert.All(Enumerable.Range(0, 100), i =>
        {
            var o = sampler.Sample(red, (ulong)i).Objects.Single();
            Assert.Equal((ShapeKind.Circle, ShapeColor.Red, SizeClass.Large), (o.Shape, o.Color, o.SizeClass));
            Assert.True(o.CenterX > 32 * 2 / 3.0);
        });
    }

    [Fact]
    public void ExtraObjectsHaveShapesThePromptDoesNotName()
    {
        var sampler = ShapesTestKit.Sampler(32);
        var spec = PromptSpec.Parse("three green triangles");
        for (int i = 0; i < 100; i++)
        {
            var scene = sampler.Sample(spec, (ulong)i, extraObjects: 1);
            Assert.Equal(4, scene.Objects.Count);
            Assert.Equal(3, scene.Objects.Count(o => o.Shape == ShapeKind.Triangle));
            Assert.NotEqual(ShapeKind.Triangle, scene.Objects[3].Shape);
        }
    }

    [Fact]
    public void CrowdedPromptsFallBackToSmallObjects_ImpossibleOnesThrowNamingThePrompt()
    {
        var sampler = ShapesTestKit.Sampler(32);
        for (int i = 0; i < 50; i++) Assert.Equal(4, sampler.Sample(PromptSpec.Parse("four crosses"), (ulong)i).Objects.Count);

        var huge = new SceneSampler(new SceneLayout { LargeFraction = 0.6, MaxAttempts = 20 });
        var e = Assert.Throws<InvalidOperationException>(() => huge.Sample(PromptSpec.Parse("two large squares"), 1));
        Assert.Contains("two large squares", e.Message);
    }

    [Fact]
    public void InvalidLayoutsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new SceneSampler(new SceneLayout { SmallFraction = 0.35 }));
        Assert.Throws<ArgumentException>(() => new SceneSampler(new SceneLayout { CanvasSize = 8 }));
        Assert.Empty(new SceneLayout().Problems());
    }
}
