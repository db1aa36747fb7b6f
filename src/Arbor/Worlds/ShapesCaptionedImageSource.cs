using Arbor.Imaging;
using Arbor.Pretraining;
using Arbor.Shapes;

namespace Arbor.Worlds;

/// <summary>
/// The Shapes pretraining data as an <see cref="ICaptionedImageSource"/>: batch <c>index</c> of size B holds
/// examples <c>index·B</c> to <c>index·B + B − 1</c> of the <see cref="PretrainCaptioner"/>, rendered and
/// scaled to [−1, 1] in CHW layout. Every example is a pure function of its number, so a resumed run
/// sees exactly the data an uninterrupted one would.
/// </summary>
public sealed class ShapesCaptionedImageSource : ICaptionedImageSource
{
    private readonly PretrainCaptioner _captioner;
    private readonly ShapeRenderer _renderer;

    public ShapesCaptionedImageSource(PretrainCaptioner captioner, ShapeRenderer? renderer = null)
    {
        _captioner = captioner ?? throw new ArgumentNullException(nameof(captioner));
        _renderer = renderer ?? new ShapeRenderer();
    }

    public int Channels => 3;

    public int ImageSize => _captioner.Layout.CanvasSize;

    public IReadOnlyList<string> Vocabulary => ShapesVocabulary.Words;

    /// <summary>The rendered image and caption of example <paramref name="item"/>.</summary>
    public (Image8 Image, CaptionedScene Example) Example(long item)
    {
        var example = _captioner.Sample(item);
        return (_renderer.Render(example.Scene), example);
    }

    public CaptionedBatch Batch(long index, int batchSize) => Rows(index, batchSize, 0, batchSize);

    /// <summary>Renders only the rows asked for: example index·batchSize + b for b in [start, start + count).</summary>
    public CaptionedBatch Rows(long index, int batchSize, int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, batchSize);
        int each = Channels * ImageSize * ImageSize;
        var pixels = new float[checked(count * each)];
        var captions = new string[count];
        for (int b = 0; b < count; b++)
        {
            var (image, example) = Example(checked((index * batchSize) + start + b));
            ImageConvert.ToChwFloats(image, ImageConvert.MinusOneToOne, pixels.AsSpan(b * each, each));
            captions[b] = example.Text;
        }

        return new CaptionedBatch(pixels, captions);
    }
}
