using Arbor.Evaluation;
using Arbor.Pretraining;
using Arbor.Shapes;

namespace Arbor.Worlds;

/// <summary>
/// The worlds Arbor ships, by name (config: <c>data.world</c> for pretraining, <c>world</c> for RL): the data, prompts
/// and held-out evaluator each trainer takes from a world. Only "shapes" ships; a user's world is one more name here,
/// or an <see cref="RlWorld"/> handed to the RL trainer directly.
/// </summary>
public static class BuiltInWorlds
{
    public static IReadOnlyList<string> Names { get; } = ["shapes"];

    public static (ICaptionedImageSource Data, IHeldOutEvaluator Evaluator) ForPretraining(PretrainDataConfig config, int imageSize)
    {
        Check(config.World);
        var splits = new ShapesSplits(config.Split);
        var captioner = splits.Captioner(config.Mixture, new SceneLayout { CanvasSize = imageSize });
        return (new ShapesCaptionedImageSource(captioner), new ShapesHeldOutEvaluator(splits));
    }

    /// <summary>
    /// The RL prompts and held-out evaluator of world <paramref name="world"/>: for Shapes, the RL prompts of
    /// <paramref name="split"/> weighted by <paramref name="familyWeights"/>, and its held-out sets, with the base
    /// <paramref name="modelDirectory"/>'s own evaluation cached.
    /// </summary>
    public static RlWorld ForRl(string world, ShapesSplitConfig split, IReadOnlyDictionary<string, int> familyWeights,
        string modelDirectory)
    {
        Check(world);
        var splits = new ShapesSplits(split);
        return new RlWorld(new ShapesRlPrompts(splits, familyWeights),
            new CachedBaseEvaluator(new ShapesHeldOutEvaluator(splits), modelDirectory, split));
    }

    private static void Check(string world)
    {
        if (!Names.Contains(world)) throw new ArgumentException($"unknown world '{world}' (expected {string.Join(", ", Names)})");
    }
}
