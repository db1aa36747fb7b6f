using Arbor.Imaging;
using Arbor.Shapes;

namespace Arbor.Tests.Shapes;

/// <summary>Shared helpers of the Shapes tests: rendering prompts, ground-truth checks on scenes, synthetic images.</summary>
internal static class ShapesTestKit
{
    public static readonly ShapeRenderer Renderer = new();
    public static readonly ShapesVerifier Verifier = new();
    public static readonly PromptGrammar Grammar = new();

    public static SceneSampler Sampler(int size) => new(new SceneLayout { CanvasSize = size });

    /// <summary>A scene and its image for <paramref name="spec"/>.</summary>
    public static (Scene Scene, Image8 Image) Render(PromptSpec spec, ulong seed, int size = 32, int extraObjects = 0)
    {
        var scene = Sampler(size).Sample(spec, seed, extraObjects);
        return (scene, Renderer.Render(scene));
    }

    /// <summary>
    /// Ground truth, from the scene graph: for each clause exactly Count objects have its shape and all of them
    /// have its color, size and region; the relation holds between the two clause objects (GenEval's rule on the
    /// exact boxes); and, when <paramref name="exact"/>, the scene has no other object (when not, the prompt may be
    /// an under-specified caption of the scene).
    /// </summary>
    public static bool Holds(Scene scene, PromptSpec spec, bool exact = true)
    {
        if (exact && scene.Objects.Count != spec.ObjectCount) return false;
        foreach (var clause in spec.Clauses)
        {
            var ofShape = scene.Objects.Where(o => o.Shape == clause.Shape).ToList();
            if (ofShape.Count != clause.Count) return false;
            if (!ofShape.All(o => clause.Describes(o.Shape, o.Color, o.SizeClass))) return false;
            if (clause.Region is { } region && !ofShape.All(o => InRegion(o, region, scene.CanvasSize))) return false;
        }

        if (spec.Relation is { } relation)
        {
            var a = scene.Objects.Single(o => o.Shape == spec.Clauses[0].Shape);
            var b = scene.Objects.Single(o => o.Shape == spec.Clauses[1].Shape);
            double ox = a.CenterX - b.CenterX, oy = a.CenterY - b.CenterY, length = Math.Sqrt((ox * ox) + (oy * oy));
            double shrink = 0.1 * (a.Size + b.Size);
            double nx = Math.Max(Math.Abs(ox) - shrink, 0) * Math.Sign(ox) / length,
                ny = Math.Max(Math.Abs(oy) - shrink, 0) * Math.Sign(oy) / length;
            return relation switch
            {
                Relation.LeftOf => nx < -0.5,
                Relation.RightOf => nx > 0.5,
                Relation.Above => ny < -0.5,
                Relation.Below => ny > 0.5,
                _ => false,
            };
        }

        return true;
    }

    public static bool InRegion(SceneObject o, Region region, int size) => region switch
    {
        Region.Left => o.CenterX < size / 3.0,
        Region.Right => o.CenterX > 2 * size / 3.0,
        Region.Top => o.CenterY < size / 3.0,
        Region.Bottom => o.CenterY > 2 * size / 3.0,
        _ => o.CenterX > size / 3.0 && o.CenterX < 2 * size / 3.0 && o.CenterY > size / 3.0 && o.CenterY < 2 * size / 3.0,
    };

    /// <summary>A canvas of the background color.</summary>
    public static Image8 Blank(int size)
    {
        var image = new Image8(size, size, 3);
        var bg = ShapePalette.Background;
        for (int i = 0; i < image.Pixels.Length; i += 3)
        {
            image.Pixels[i] = bg.R;
            image.Pixels[i + 1] = bg.G;
            image.Pixels[i + 2] = bg.B;
        }

        return image;
    }

    /// <summary>Every byte uniform in [0, 255].</summary>
    public static Image8 UniformNoise(int size, ulong seed)
    {
        var rng = new ShapesRng(seed);
        var image = new Image8(size, size, 3);
        for (int i = 0; i < image.Pixels.Length; i++) image.Pixels[i] = (byte)rng.NextInt(256);
        return image;
    }

    /// <summary><paramref name="image"/> with every byte moved by a uniform amount in [−amplitude, amplitude].</summary>
    public static Image8 AddNoise(Image8 image, int amplitude, ulong seed)
    {
        var rng = new ShapesRng(seed);
        var noisy = image.Clone();
        for (int i = 0; i < noisy.Pixels.Length; i++)
            noisy.Pixels[i] = (byte)Math.Clamp(noisy.Pixels[i] + rng.NextInt((2 * amplitude) + 1) - amplitude, 0, 255);
        return noisy;
    }

    /// <summary><paramref name="image"/> with every byte shifted by <paramref name="delta"/> (clamped).</summary>
    public static Image8 Shift(Image8 image, int delta)
    {
        var shifted = image.Clone();
        for (int i = 0; i < shifted.Pixels.Length; i++) shifted.Pixels[i] = (byte)Math.Clamp(shifted.Pixels[i] + delta, 0, 255);
        return shifted;
    }

    /// <summary>A random prompt of <paramref name="family"/> for sample <paramref name="i"/>.</summary>
    public static PromptSpec Prompt(TaskFamily family, ulong seed, int i) =>
        Grammar.Sample(family, ShapesRng.Derive(seed, (ulong)family, (ulong)i));
}
