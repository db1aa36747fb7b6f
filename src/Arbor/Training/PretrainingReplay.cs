using Arbor.Distributed;
using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Pretraining;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Worlds;

namespace Arbor.Training;

/// <summary>
/// The replay term of <see cref="ReplayConfig"/>: for each optimizer step (part <c>u</c> of iteration <c>i</c>), the
/// gradient of λ · the pretraining loss of the model's kind (<see cref="DenoisingObjective"/>) on replay
/// batch (i·parts + u) of the world's captioned images, accumulated beside the RL term's before the step. Its draws
/// (caption dropout, times, noise) come from a generator seeded by (seed, iteration, part) and are drawn for the whole
/// batch, each rank keeping its rows as pretraining does, so a data-parallel run replays what one process does. With
/// <see cref="ReplayTarget.Base"/> the regression target is the base's prediction at the same noised input instead.
/// </summary>
public sealed class PretrainingReplay(TextToImagePipeline pipeline, ICaptionedImageSource data, ReplayConfig config, ulong seed)
{
    /// <summary>The term for a run's config, or null when replay is off.</summary>
    public static PretrainingReplay? For(GrpoTrainConfig config, TextToImagePipeline pipeline)
    {
        if (config.Replay.Weight <= 0) return null;
        var data = BuiltInWorlds.ForPretraining(
            new PretrainDataConfig { World = config.World, Split = config.Split, Mixture = config.Replay.Mixture },
            pipeline.Model.Config.ImageSize).Data;
        return new PretrainingReplay(pipeline, data, config.Replay, SeedHash.Of(config.Seed, 0x4e91a7));
    }

    /// <summary>Replay images per optimizer step over all ranks.</summary>
    public int BatchSize => config.BatchSize;

    /// <summary>
    /// Adds this rank's share of λ · L_FM(replay batch of (iteration, part)) to the gradients, and returns that share of
    /// the weighted loss (summed over ranks it is the term's value).
    /// </summary>
    public double Backward(long iteration, int part, int parts, DataParallel? parallel = null)
    {
        var dp = parallel ?? DataParallel.Single();
        int b = config.BatchSize;
        var (first, rows) = dp.Shard(b);
        if (rows == 0) return 0;
        using var scope = Torch.NewScope();
        using var generator = new Generator(SeedHash.Of(seed, (ulong)iteration, (ulong)part));
        var batch = data.Rows(iteration * parts + part, b, first, rows);
        var x0 = Torch.FromArray(batch.Pixels, [rows, data.Channels, data.ImageSize, data.ImageSize]);
        var drop = Torch.Rand([b], generator).ToFloatArray();
        var captions = batch.Captions.Select((c, i) => drop[first + i] < config.CaptionDropout ? "" : c).ToList();
        var t = DenoisingObjective.SampleTimes(pipeline.Model.Process, b, config.LogitNormalMean, config.LogitNormalStd, generator)
            .Narrow(0, first, rows);
        var noise = Torch.Randn([b, data.Channels, data.ImageSize, data.ImageSize], generator).Narrow(0, first, rows);
        using var condition = pipeline.Encode(captions);
        var loss = (config.Target == ReplayTarget.Base
            ? BaseMatchingLoss(x0, t, noise, condition)
            : DenoisingObjective.Loss(pipeline.Model, x0, t, noise, condition)) * (config.Weight * rows / b);
        loss.Backward();
        return loss.Item();
    }

    /// <summary>‖f_θ(x_t) − f_base(x_t)‖² at the pretraining loss's noised inputs, the base being the model with its LoRA off.</summary>
    private Tensor BaseMatchingLoss(Tensor x0, Tensor t, Tensor noise, TextConditioning condition)
    {
        var model = pipeline.Model;
        var xt = model.Process.Noised(x0, noise, t);
        Tensor baseline;
        using (Torch.NoGrad()) baseline = new AdapterFreeModel(model).Velocity(xt, t, condition);
        return F.MseLoss(model.Velocity(xt, t, condition), baseline);
    }
}
