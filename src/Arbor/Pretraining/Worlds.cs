using Arbor.Evaluation;
using Arbor.Shapes;

namespace Arbor.Pretraining;

/// <summary>Builds a world's pretraining data and held-out evaluator from config.</summary>
public static class Worlds
{
    public static (ICaptionedImageSource Data, IHeldOutEvaluator Evaluator) ForPretraining(PretrainDataConfig config, int imageSize)
    {
        if (config.World != "shapes") throw new ArgumentException($"unknown world '{config.World}' (expected shapes)");
        var splits = new ShapesSplits(config.Split);
        var captioner = splits.Captioner(config.Mixture, new SceneLayout { CanvasSize = imageSize });
        return (new ShapesCaptionedImageSource(captioner), new ShapesHeldOutEvaluator(splits));
    }
}
