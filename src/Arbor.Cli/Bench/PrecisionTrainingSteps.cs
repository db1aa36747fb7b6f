using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Pretraining;
using Arbor.Rollouts;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;
using Arbor.Training;
using Arbor.Worlds;

namespace Arbor.Cli.Bench;

/// <summary>
/// The two training steps `arbor bench precision` times in fp32 and bf16, each on its own copy of the base so that
/// neither the rollout forward's weights nor the other step's move:
/// <list type="bullet">
/// <item>pretraining: <see cref="Pretrainer"/>'s step on a batch of Shapes pretraining images and captions (caption
/// encoding, flow-matching loss, backward through the DiT and the text encoder, global-norm clip, AdamW step; no data
/// generation, caption dropout, LR schedule or EMA, which do not depend on the precision);</item>
/// <item>RL: <see cref="PolicyTrainer"/>'s training forward of one chunk of rollout nodes on a LoRA-adapted copy (the
/// default rank-16 adapters on every block's attention and MLP, the text projected with gradients, CFG as one doubled
/// batch) and its backward. The clipped surrogate is elementwise float32 work on [N] log-probabilities in either
/// precision, so a mean square of the guided velocity stands in for it; the optimizer step, once per minibatch over
/// the small adapters, is left out.</item>
/// </list>
/// Both steps run on fixed inputs: every call does the same work, and the weights' drift under AdamW does not change it.
/// </summary>
internal sealed class PrecisionTrainingSteps : IDisposable
{
    private readonly TextToImagePipeline _pretrain;
    private readonly AdamW _optimizer;
    private readonly List<Tensor> _parameters;
    private readonly List<string> _captions;
    private readonly Tensor _x0, _t, _noise;
    private readonly FlowDiT _rl;
    private readonly AdamW _rlOptimizer;   // zeroes the adapters' gradients between calls; never steps
    private readonly PromptConditioning _conditioning;
    private readonly Tensor _x, _rlT, _promptIndex;

    /// <summary>Images per pretraining step.</summary>
    public int PretrainBatch { get; }
    /// <summary>Rollout nodes per RL training forward.</summary>
    public long RlNodes => _x.Size(0);

    /// <param name="pipeline">The base: copied, never changed.</param>
    /// <param name="conditioning">The rollout's prompts; the RL step scores <paramref name="x"/> at <paramref name="t"/> of
    /// prompts <paramref name="promptIndex"/>, as the rollout forward does.</param>
    public PrecisionTrainingSteps(TextToImagePipeline pipeline, int pretrainBatch, PromptConditioning conditioning, Tensor x, Tensor t,
        Tensor promptIndex, ulong seed)
    {
        var cfg = pipeline.Model.Config;
        PretrainBatch = pretrainBatch;
        var train = new PretrainOptimConfig();

        _pretrain = new TextToImagePipeline(new FlowDiT(cfg), pipeline.Tokenizer);
        _pretrain.Model.LoadStateDict(pipeline.Model.StateDict());
        _pretrain.Model.Train();
        _optimizer = AdamW.DecayingMatricesOnly(_pretrain.Model.NamedParameters(),
            new AdamWOptions { LearningRate = train.LearningRate, WeightDecay = train.WeightDecay });
        _parameters = [.. _pretrain.Model.Parameters(trainableOnly: true)];
        // real pretraining data, so the captions' lengths (and the text encoder's masks) are pretraining's
        var (data, _) = BuiltInWorlds.ForPretraining(new PretrainDataConfig(), cfg.ImageSize);
        var batch = data.Rows(0, pretrainBatch, 0, pretrainBatch);
        _captions = [.. batch.Captions];
        using var gen = new Generator(seed + 1);
        _x0 = Torch.FromArray(batch.Pixels, [pretrainBatch, data.Channels, data.ImageSize, data.ImageSize]);
        _t = DenoisingObjective.SampleTimes(pretrainBatch, train.LogitNormalMean, train.LogitNormalStd, gen);
        _noise = Torch.Randn([pretrainBatch, data.Channels, data.ImageSize, data.ImageSize], gen);

        var lora = new LoraConfig();
        _rl = new FlowDiT(cfg);
        _rl.LoadStateDict(pipeline.Model.StateDict());
        LoraInjection.Apply(_rl, lora.Pattern, lora.Rank, lora.Alpha, gen);
        _rl.Train();
        _rlOptimizer = new AdamW(_rl.NamedParameters(trainableOnly: true));
        _conditioning = conditioning;
        (_x, _rlT, _promptIndex) = (x, t, promptIndex);
    }

    /// <summary>The pretraining batch's flow-matching loss, no step taken: how far bf16 moves it on the same inputs.</summary>
    public double PretrainLoss()
    {
        using var scope = Torch.NewScope();
        using var condition = _pretrain.Encode(_captions);
        return DenoisingObjective.Loss(_pretrain.Model, _x0, _t, _noise, condition).Item();
    }

    /// <summary>One pretraining step, as <see cref="Pretrainer"/> takes it; returns the loss.</summary>
    public Tensor Pretrain()
    {
        using var grad = Torch.EnableGrad();
        using var condition = _pretrain.Encode(_captions);
        var loss = DenoisingObjective.Loss(_pretrain.Model, _x0, _t, _noise, condition);
        _optimizer.ZeroGrad();
        loss.Backward();
        GradClip.ClipByGlobalNorm(_parameters, new PretrainOptimConfig().GradClip);
        _optimizer.Step();
        return loss;
    }

    /// <summary>One RL training forward and backward of the rollout nodes into the LoRA adapters; returns the stand-in loss.</summary>
    public Tensor Rl()
    {
        using var grad = Torch.EnableGrad();
        _rlOptimizer.ZeroGrad();
        var (guided, _) = _conditioning.Velocities(_rl, _x, _rlT, _promptIndex);
        var loss = guided.Square().Mean();
        loss.Backward();
        return loss;
    }

    public void Dispose()
    {
        _optimizer.Dispose();
        _rlOptimizer.Dispose();
        _pretrain.Dispose();
        _rl.Dispose();
    }
}
