using Arbor.Imaging;

namespace Arbor.Rewards;

/// <summary>
/// Dense credit from a reward that can say where an image is right and where it is wrong (the Shapes verifier's
/// objects; a user's reward model with a per-pixel heatmap, as Rich Human Feedback's): one sign per pixel,
/// +1 where the image shows what the prompt asked for, −1 where it shows something wrong, 0 where the reward says
/// nothing. A forward-process loss reads it through <see cref="Training.AdvantageMaps"/>.
/// </summary>
public interface IPixelCredit
{
    /// <summary>The signs of <paramref name="image"/>'s pixels for <paramref name="prompt"/>, row-major (y·width + x).</summary>
    sbyte[] Of(Image8 image, string prompt);
}
