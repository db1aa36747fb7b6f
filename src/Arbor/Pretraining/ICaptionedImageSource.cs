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
}
