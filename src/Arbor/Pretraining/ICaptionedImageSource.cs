namespace Arbor.Pretraining;

/// <summary>A batch of training images [B, C, H, W] in [−1, 1] (row-major floats) and their captions.</summary>
public sealed record CaptionedBatch(float[] Pixels, string[] Captions);

/// <summary>
/// Pretraining data. Batch <c>index</c> must always be the same images and captions, so a resumed run
/// sees exactly the data an uninterrupted one would (no data-loader state to checkpoint).
/// </summary>
public interface ICaptionedImageSource
{
    int Channels { get; }
    int ImageSize { get; }

    /// <summary>Every word a caption can contain (the tokenizer's vocabulary).</summary>
    IReadOnlyList<string> Vocabulary { get; }

    CaptionedBatch Batch(long index, int batchSize);

    /// <summary>
    /// Rows [<paramref name="start"/>, start + <paramref name="count"/>) of batch <paramref name="index"/> (one rank's share
    /// in data-parallel training). This default builds the whole batch and keeps the rows; a source that can build
    /// single rows overrides it.
    /// </summary>
    CaptionedBatch Rows(long index, int batchSize, int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, batchSize);
        var full = Batch(index, batchSize);
        if (start == 0 && count == batchSize) return full;
        int each = full.Pixels.Length / batchSize;
        return new CaptionedBatch(full.Pixels.AsSpan(start * each, count * each).ToArray(), full.Captions[start..(start + count)]);
    }
}
