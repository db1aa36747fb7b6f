using Arbor.Advantages;
using Arbor.Pipelines;
using Arbor.Rollouts;
using Arbor.Sampling;
using Arbor.Shapes;
using Arbor.Strategies;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;

namespace Arbor.Training;

/// <summary>
/// DiffusionNFT's loss (ALGORITHMS.md §5.7; NVlabs/DiffusionNFT): the leaves' clean images x0, re-noised at the
/// rollout's times with fresh noise, x_t = (1 − t)·x0 + t·ε, train an implicit positive and negative policy
/// around the old one, v⁺ = β·v_θ + (1 − β)·v_old and v⁻ = (1 + β)·v_old − β·v_θ, in x0-space:
/// <code>
///   L = A_max · mean[ r·‖x̂0(v⁺) − x0‖²/w⁺ + (1 − r)·‖x̂0(v⁻) − x0‖²/w⁻ ] / β + λ_ref·mean_D(v_θ − v_ref)²
///   r = clip(A/A_max/2 + ½, 0, 1),  x̂0(v) = x_t − t·v,  w = mean_D |x̂0 − x0| (detached),  ‖·‖² = mean_D
/// </code>
/// Why it learns where imitating one's own samples drifts (issue #15's measured failure): at θ = θ_old the two terms
/// share the base's error and cancel in the gradient, leaving only what separates good images from bad.
/// With β = 1 and θ = θ_old, x̂0(v⁺) − x0 = t·(u − v_θ) and x̂0(v⁻) − x0 = t·(u − 2v_old + v_θ) with u = ε − x0, so
/// ∇L = A_max·t²/w·[r·∇‖u − v_θ‖² − (1 − r)·∇‖u − v_θ‖²] = A_max·(2r − 1)·t²/w·∇‖u − v_θ‖² = A·t²/w·∇L_FM
/// (r unclipped): a flow-matching step on the leaf, weighted by its advantage (tested).
/// The old policy is an EMA of the trained weights (θ_old ← d·θ_old + (1 − d)·θ after each iteration,
/// d = min(rate·iteration, max)) kept as a second copy of the LoRA weights only, swapped in to roll out.
/// </summary>
public sealed class NftTrainer : IPolicyUpdate, IDisposable
{
    private readonly TextToImagePipeline _pipeline;
    private readonly NftConfig _config;
    private readonly TimeSchedule _schedule;
    private readonly PolicyLossConfig _loss;
    private readonly double _advantageClip;
    private readonly ulong _seed;
    private readonly ExponentialMovingAverage _old;

    public NftTrainer(TextToImagePipeline pipeline, NftConfig config, TimeSchedule schedule, PolicyLossConfig loss, double advantageClip, ulong seed)
    {
        (_pipeline, _config, _schedule, _loss, _advantageClip, _seed) = (pipeline, config, schedule, loss, advantageClip, seed);
        _old = new ExponentialMovingAverage(pipeline.Model, n => Math.Min(config.OldDecayRate * n, config.OldDecayMax));
    }

    public ExponentialMovingAverage State => _old;

    public IDisposable RolloutPolicy() => _old.Applied();

    /// <summary>One training sample: a leaf, one of the rollout's times, and the leaf's advantage.</summary>
    private readonly record struct Sample(RolloutNode Leaf, double Time, double Advantage);

    public PolicyUpdateStats Update(long iteration, RolloutForest forest, AdvantageResult advantages, PromptConditioning conditioning, Optimizer optimizer)
    {
        var leaves = forest.Leaves;
        var random = new Random((int)(ShapesRng.Hash(_seed, (ulong)iteration, 3) & 0x7fffffff));
        using var generator = new Generator(ShapesRng.Hash(_seed, (ulong)iteration, 4));
        // groups without a reward spread teach nothing (A = 0 everywhere): dropped, as GRPO drops them
        var samples = new List<Sample>();
        for (int i = 0; i < leaves.Count; i++)
        {
            if (!advantages.Kept[i]) continue;
            var times = Enumerable.Range(0, _config.Steps).OrderBy(_ => random.Next()).Take(_config.TimesPerImage);
            samples.AddRange(times.Select(k => new Sample(leaves[i], _schedule.Times[k], advantages.Values[i])));
        }
        if (samples.Count == 0)
        {
            _old.Update(iteration);
            return new PolicyUpdateStats(0, 0, 0, 1, 0, 0, 0, 0, 0, 0);
        }

        var model = _pipeline.Model;
        var parameters = model.Parameters(trainableOnly: true).ToList();
        double lossSum = 0, refSum = 0, gradNorm = 0;
        long forwards = 0;
        int skipped = 0;
        int updates = Math.Clamp(_loss.UpdatesPerIteration, 1, samples.Count);
        for (int u = 0; u < updates; u++)
        {
            var part = samples.Where((_, i) => i % updates == u).ToList();
            optimizer.ZeroGrad();
            for (int start = 0; start < part.Count; start += _loss.MaxBatch)
            {
                var chunk = part.GetRange(start, Math.Min(_loss.MaxBatch, part.Count - start));
                using var scope = Torch.NewScope();
                var (loss, refTerm) = ChunkLoss(chunk, conditioning, generator, samples.Count);
                loss.Backward();
                forwards += chunk.Count * (_config.RefWeight > 0 ? 3L : 2L);
                lossSum += loss.Item();
                refSum += refTerm;
            }
            gradNorm = GradClip.ClipByGlobalNorm(parameters, _loss.GradClip);
            if (double.IsFinite(gradNorm)) optimizer.Step();
            else skipped++;
        }
        _old.Update(iteration);
        return new PolicyUpdateStats(lossSum, 0, 0, 1, 0, gradNorm, refSum / samples.Count, samples.Count, forwards, skipped);
    }

    /// <summary>The chunk's loss, already divided by the iteration's sample count, and its reference term's sum.</summary>
    private (Tensor Loss, double RefSum) ChunkLoss(List<Sample> chunk, PromptConditioning conditioning, Generator generator, int total)
    {
        var model = _pipeline.Model;
        var x0 = Torch.Stack(chunk.Select(s => s.Leaf.State!).ToList()).Clamp(-1, 1);
        var t = Torch.FromArray(chunk.Select(s => (float)s.Time).ToArray());
        var tb = t.Reshape([chunk.Count, 1, 1, 1]);
        var eps = Torch.RandnLike(x0, generator);
        var xt = x0 * (1 - tb) + eps * tb;
        var prompts = Torch.FromArray(chunk.Select(s => (long)s.Leaf.Prompt).ToArray());

        // the old and reference velocities first: swapping weights in place must not touch a live autograd graph
        Tensor vOld, vRef;
        using (Torch.NoGrad())
        {
            using (_old.Applied()) vOld = conditioning.ConditionalVelocity(model, xt, t, prompts);
            vRef = vOld;
            if (_config.RefWeight > 0)
            {
                LoraInjection.SetEnabled(model, false);
                try { vRef = conditioning.ConditionalVelocity(model, xt, t, prompts); }
                finally { LoraInjection.SetEnabled(model, true); }
            }
        }
        var v = conditioning.ConditionalVelocity(model, xt, t, prompts);
        return Loss(x0, xt, tb, v, vOld, _config.RefWeight > 0 ? vRef : null, chunk.Select(s => s.Advantage).ToArray(), total);
    }

    /// <summary>
    /// The NFT loss of a batch (ALGORITHMS.md §5.7), divided by <paramref name="total"/>: states x0, x_t and times tb
    /// [N, 1, 1, 1], the trained v_θ, the old policy's v_old and (or null) the reference's v_ref, and the advantages.
    /// </summary>
    public (Tensor Loss, double RefSum) Loss(Tensor x0, Tensor xt, Tensor tb, Tensor v, Tensor vOld, Tensor? vRef, double[] advantages, int total)
    {
        double beta = _config.Beta;
        var dims = Enumerable.Range(1, x0.Dim - 1).Select(d => (long)d).ToArray();
        var vPos = v * beta + vOld * (1 - beta);
        var vNeg = vOld * (1 + beta) - v * beta;
        var errPos = xt - tb * vPos - x0;
        var errNeg = xt - tb * vNeg - x0;
        Tensor wPos, wNeg;
        using (Torch.NoGrad())
        {
            wPos = errPos.Abs().Mean(dims).Clamp(min: 1e-5).Detach();
            wNeg = errNeg.Abs().Mean(dims).Clamp(min: 1e-5).Detach();
        }
        var r = Torch.FromArray(advantages.Select(a => (float)Math.Clamp(a / _advantageClip / 2 + 0.5, 0, 1)).ToArray());
        var perSample = r * errPos.Square().Mean(dims) / wPos + (1 - r) * errNeg.Square().Mean(dims) / wNeg;
        var loss = perSample.Sum() * (_advantageClip / beta / total);
        double refSum = 0;
        if (vRef is not null)
        {
            var refTerm = (v - vRef).Square().Mean(dims);
            refSum = refTerm.Sum().Item();
            loss = loss + refTerm.Sum() * (_config.RefWeight / total);
        }
        return (loss, refSum);
    }

    public void Dispose() => _old.Dispose();
}
