using System.Diagnostics;
using Arbor.Imaging;
using Arbor.Shapes;

namespace Arbor.Tests.Shapes;

/// <summary>
/// The verifier's working memory is the 5 bytes per pixel that RewardServerLimits' bound assumes (a label byte and
/// an owner int, both native and freed on return), whatever the image: a colour region covering the whole image, the
/// worst case of a flood fill, allocates no managed memory that grows with its pixels.
/// </summary>
public class VerifierMemoryTests(ITestOutputHelper output)
{
    [Fact]
    public void AWholeImageRegionAllocatesNoManagedMemoryPerPixel()
    {
        const int size = 4000;
        var color = ShapePalette.Colors[0].ToRgb();
        var image = new Image8(size, size, 3);
        for (int i = 0; i < image.Pixels.Length; i += 3)
        {
            image.Pixels[i] = color.R;
            image.Pixels[i + 1] = color.G;
            image.Pixels[i + 2] = color.B;
        }

        var detector = new ObjectDetector();
        detector.Detect(new Image8(8, 8, 3));   // JIT and statics out of the measurement
        long before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        var result = detector.Detect(image);
        watch.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        double perPixel = (double)allocated / ((long)size * size);
        output.WriteLine($"{size}x{size} single-colour image: {allocated:N0} managed bytes allocated ({perPixel:F4} B/px), " +
            $"{watch.ElapsedMilliseconds} ms");

        // The region is one component, too large to be a shape of the world.
        var only = Assert.Single(result.Objects);
        Assert.Null(only.Shape);
        Assert.Equal(0, result.IgnoredComponents);
        Assert.Equal((double)size * size, only.Area, 6);
        // Only per-row and per-column profiles (O(width + height)) and a constant histogram remain managed.
        Assert.True(perPixel < 0.1,
            $"the verifier allocated {perPixel:F2} managed B/px for a whole-image region; its bound is 5 B/px, all native");
    }
}
