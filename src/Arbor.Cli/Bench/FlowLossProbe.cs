using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Pretraining;
using Arbor.Tensors;

namespace Arbor.Cli.Bench;

/// <summary>
/// The flow-matching loss of a model at fixed t on fresh pretraining data, and the x̂0 error it implies
/// (x̂0 = x_t − t·v, so RMSE(x̂0) = t·sqrt(MSE(v))): where in time a model is still weak.
/// </summary>
public static class FlowLossProbe
{
    public static List<(double T, double Mse, double X0Rmse)> Run(TextToImagePipeline pipeline, ICaptionedImageSource data, double[] times,
        int batches, int batchSize)
    {
        // its x̂0 column is the flow's t·sqrt(MSE(v))
        ModelKinds.Require(ModelKind.Flow, pipeline.Model.Process.Kind, "bench flow-loss");
        using var noGrad = Torch.NoGrad();
        using var gen = new Generator(777);
        var result = new List<(double, double, double)>();
        foreach (var t in times)
        {
            double sum = 0;
            for (int b = 0; b < batches; b++)
            {
                using var scope = Torch.NewScope();
                var batch = data.Batch(1_000_000 + b, batchSize);   // far past any training index
                var x0 = Torch.FromArray(batch.Pixels, [batchSize, data.Channels, data.ImageSize, data.ImageSize]);
                var noise = Torch.RandnLike(x0, gen);
                using var condition = pipeline.Encode(batch.Captions);
                sum += DenoisingObjective.Loss(pipeline.Model, x0, Torch.Full([batchSize], t), noise, condition).Item();
            }
            double mse = sum / batches;
            result.Add((t, mse, t * Math.Sqrt(mse)));
        }
        return result;
    }
}
