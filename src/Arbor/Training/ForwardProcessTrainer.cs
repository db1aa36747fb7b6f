using Arbor.Advantages;
using Arbor.Distributed;
using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Rewards;
using Arbor.Rollouts;
using Arbor.Sampling;
using Arbor.Strategies;
using Arbor.Tensors;
using Arbor.Tensors.Optim;

namespace Arbor.Training;

/// <summary>
/// The update of the forward-process methods (ALGORITHMS.md §5.7: DiffusionNFT, AWM): they train on the rollout's clean
/// images, not on per-step log-probabilities. Every kept leaf x0 is re-noised at <c>times_per_image</c> of the rollout's
/// times with fresh noise by the model's kind (x_t = (1 − t)·x0 + t·ε for a flow model); the old policy's and the
/// reference's predictions are computed first (no gradient), then v_θ, and the method's loss
/// (<see cref="IForwardProcessLoss"/>) is backpropagated.
/// The old policy is an EMA of the trained weights (θ_old ← d·θ_old + (1 − d)·θ after each iteration,
/// d = min(rate·iteration, max)), kept as a second copy of the LoRA weights only and swapped in to roll out.
/// </summary>
public sealed class ForwardProcessTrainer : IPolicyUpdate, IDisposable
{
    private readonly TextToImagePipeline _pipeline;
    private readonly ForwardProcessConfig _config;
    private readonly IForwardProcessLoss _lossFunction;
    private readonly TimeSchedule _schedule;
    private readonly PolicyLossConfig _loss;
    private readonly ulong _seed;
    private readonly ExponentialMovingAverage _old;

    public ForwardProcessTrainer(TextToImagePipeline pipeline, ForwardProcessConfig config, IForwardProcessLoss loss, TimeSchedule schedule,
        PolicyLossConfig lossConfig, ulong seed)
    {
        (_pipeline, _config, _lossFunction, _schedule, _loss, _seed) = (pipeline, config, loss, schedule, lossConfig, seed);
        _old = new ExponentialMovingAverage(pipeline.Model, config.OldDecayAt);
    }

    public ExponentialMovingAverage State => _old;

    /// <summary>Pretraining-data replay added to every step's loss (<see cref="ReplayConfig"/>), or null.</summary>
    public PretrainingReplay? Replay { get; init; }

    /// <summary>Dense credit that spreads each image's advantage over its pixels (<see cref="AdvantageMaps"/>), or null.</summary>
    public IPixelCredit? Credit { get; init; }

    public IDisposable RolloutPolicy() => _old.Applied();

    /// <summary>The rollout times the loss's noised copies are drawn at (without jitter: each sample is at one of these).</summary>
    internal IReadOnlyList<double> TrainedTimes => [.. _schedule.Times.Take(_config.TrainedStepCount)];

    /// <summary>Whether the samples' times are jittered between the grid's (then not one of <see cref="TrainedTimes"/>).</summary>
    internal bool JittersTimes => _config.JitterTimes;

    /// <summary>The loss trains on the leaves' clean images: the rollout's log-probabilities are never read.</summary>
    public bool UsesRolloutLogProbs => false;

    /// <summary>
    /// One training sample: a leaf, its key (the leaf's place in the iteration: its prompt's global index plus its index
    /// among that prompt's leaves, which assigns it to a minibatch part), one of the rollout's times, the leaf's
    /// advantage, the seed of its noise at that time (its group's with shared training noise), and with
    /// <see cref="PixelWeighting.GroupSpread"/> its group's pixel weights (one array shared by the group's samples), and
    /// with dense credit its advantage per pixel (one array shared by the leaf's samples).
    /// </summary>
    internal readonly record struct Sample(RolloutNode Leaf, int LeafKey, double Time, double Advantage, ulong NoiseSeed,
        float[]? PixelWeights = null, float[]? AdvantageMap = null, bool NegatedNoise = false);

    public PolicyUpdateStats Update(long iteration, RolloutForest forest, AdvantageResult advantages,
        PromptConditioning conditioning, Optimizer optimizer,
        DataParallel? parallel = null)
    {
        var plan = Plan(iteration, forest, advantages, conditioning, parallel);
        if (plan.Samples == 0) return plan.Finish();
        var parameters = _pipeline.Model.Parameters(trainableOnly: true).ToList();
        int updates = Math.Clamp(_loss.UpdatesPerIteration, 1, plan.Leaves);
        for (int u = 0; u < updates; u++)
        {
            optimizer.ZeroGrad();
            plan.Backward(u, updates);
            if (Replay is not null) plan.AddLoss(Replay.Backward(iteration, u, updates, plan.Parallel));
            plan.Parallel.AllReduceGradients(parameters);
            plan.Step(GradClip.ClipByGlobalNorm(parameters, _loss.GradClip), optimizer);
        }
        return plan.Finish();
    }

    /// <summary>
    /// The iteration's training samples (leaves x times, with their noise), whose gradient a caller accumulates part by
    /// part (<see cref="TermPlan.Backward"/>) into its own optimizer steps: <see cref="Update"/> alone, or beside the
    /// policy gradient in one loss (<see cref="CompositeUpdate"/>). Every draw (a leaf's times, its noise) is keyed by the
    /// leaf's place in the iteration, so the ranks of a data-parallel run draw together what one process draws.
    /// </summary>
    public TermPlan Plan(long iteration, RolloutForest forest, AdvantageResult advantages, PromptConditioning conditioning,
        DataParallel? parallel = null)
    {
        var dp = parallel ?? DataParallel.Single();
        var leaves = forest.Leaves;
        // groups without a reward spread teach nothing (A = 0 everywhere): dropped, as GRPO drops them
        var samples = new List<Sample>();
        bool shared = _config.SharedTrainingNoise;
        var pixelWeights = _config.PixelWeights == PixelWeighting.GroupSpread ? GroupSpreadMaps(forest, advantages) : null;
        var indexInPrompt = IndexInPrompt(leaves);
        for (int i = 0; i < leaves.Count; i++)
        {
            var leaf = leaves[i];
            ulong prompt = (ulong)forest.GlobalPrompt(leaf.Prompt);
            int index = indexInPrompt[i];
            if (!advantages.Kept[i]) continue;
            var advantageMap = Credit is null ? null
                : AdvantageMaps.Of(advantages.Values[i], Credit.Of(forest.Images[i], forest.Prompts[leaf.Prompt]));
            // with shared training noise, one draw of times and noise per group (prompt), the same for all its images
            var draw = new Random((int)((shared ? SeedHash.Of(_seed, (ulong)iteration, 5, prompt)
                : SeedHash.Of(_seed, (ulong)iteration, 3, prompt, (ulong)index)) & 0x7fffffff));
            var times = Enumerable.Range(0, _config.TrainedStepCount).OrderBy(_ => draw.Next()).Take(_config.TimesPerImage).ToList();
            // jittered: t_k − u·(t_k − t_{k+1}), u in [0, 1), drawn after the steps so that the steps drawn are the grid's
            var at = times.Select(k => _config.JitterTimes
                ? _schedule.Times[k] - draw.NextDouble() * (_schedule.Times[k] - _schedule.Times[k + 1]) : _schedule.Times[k]).ToList();
            samples.AddRange(times.Select((k, j) => new Sample(leaf, (int)prompt + index, at[j], advantages.Values[i],
                shared ? SeedHash.Of(_seed, (ulong)iteration, 6, prompt, (ulong)k)
                    : SeedHash.Of(_seed, (ulong)iteration, 4, prompt, (ulong)index, (ulong)k),
                pixelWeights?[leaf.Prompt], advantageMap)));
        }
        // antithetic: each copy's twin at −ε, beside it so that both fall in the same part
        if (_config.AntitheticNoise) samples = [.. samples.SelectMany(s => new[] { s, s with { NegatedNoise = true } })];
        var anchors = AnchorSamples(iteration, forest, leaves, advantages, indexInPrompt);
        var counts = dp.Sum(samples.Count, samples.Select(s => s.Leaf).Distinct().Count(), anchors.Count);
        return new TermPlan(this, iteration, samples, conditioning, dp, (int)counts[0], (int)counts[1])
        {
            Anchors = anchors,
            AllAnchors = (int)counts[2],
        };
    }

    /// <summary>
    /// The silent-group anchor's samples (<see cref="ForwardProcessConfig.SilentAnchorWeight"/>): the first
    /// <see cref="ForwardProcessConfig.SilentAnchorImages"/> leaves of every dropped group, one noised copy each at one of
    /// the trained steps, drawn by the leaf's place in the iteration as the loss's samples are (stream 7 for the time,
    /// 8 for the noise), so that ranks draw together what one process draws. None when the anchor is off.
    /// </summary>
    private List<Sample> AnchorSamples(long iteration, RolloutForest forest, IReadOnlyList<RolloutNode> leaves,
        AdvantageResult advantages, int[] indexInPrompt)
    {
        var anchors = new List<Sample>();
        if (_config.SilentAnchorWeight <= 0) return anchors;
        for (int i = 0; i < leaves.Count; i++)
        {
            var leaf = leaves[i];
            int index = indexInPrompt[i];
            if (advantages.Kept[i] || index >= _config.SilentAnchorImages) continue;
            ulong prompt = (ulong)forest.GlobalPrompt(leaf.Prompt);
            var draw = new Random((int)(SeedHash.Of(_seed, (ulong)iteration, 7, prompt, (ulong)index) & 0x7fffffff));
            int k = draw.Next(_config.TrainedStepCount);
            anchors.Add(new Sample(leaf, (int)prompt + index, _schedule.Times[k], 0,
                SeedHash.Of(_seed, (ulong)iteration, 8, prompt, (ulong)index, (ulong)k)));
        }
        return anchors;
    }

    /// <summary>Each leaf's index among its prompt's leaves, in the forest's order: its place in its group.</summary>
    private static int[] IndexInPrompt(IReadOnlyList<RolloutNode> leaves)
    {
        var seen = new Dictionary<int, int>();
        return [.. leaves.Select(leaf =>
        {
            int index = seen.GetValueOrDefault(leaf.Prompt);
            seen[leaf.Prompt] = index + 1;
            return index;
        })];
    }

    /// <summary>Each kept group's pixel weights (<see cref="GroupSpreadWeights"/>), by its prompt's index in the forest.</summary>
    private static Dictionary<int, float[]> GroupSpreadMaps(RolloutForest forest, AdvantageResult advantages)
    {
        var leaves = forest.Leaves;
        return Enumerable.Range(0, leaves.Count).Where(i => advantages.Kept[i])
            .GroupBy(i => leaves[i].Prompt)
            .ToDictionary(g => g.Key, g => GroupSpreadWeights.Of([.. g.Select(i => leaves[i].State!)]));
    }

    /// <summary>
    /// One iteration's forward-process term: its samples, backpropagated part by part, then the old policy's update.
    /// It holds no native memory: each part's tensors live in that part's scope.
    /// </summary>
    public sealed class TermPlan
    {
        private readonly ForwardProcessTrainer _trainer;
        private readonly long _iteration;
        private readonly List<Sample> _samples;
        private readonly PromptConditioning _conditioning;
        private readonly int _allSamples, _allLeaves;
        private double _lossSum, _gradNorm;
        private ForwardLossStats _stats = new();
        private long _forwards;
        private int _skipped;
        private int _steps;
        private readonly List<(double Advantage, double Change)> _signal = [];

        internal TermPlan(ForwardProcessTrainer trainer, long iteration, List<Sample> samples,
            PromptConditioning conditioning, DataParallel parallel,
            int allSamples, int allLeaves) =>
            (_trainer, _iteration, _samples, _conditioning, Parallel, _allSamples, _allLeaves) =
                (trainer, iteration, samples, conditioning, parallel, allSamples, allLeaves);

        /// <summary>The ranks this iteration's samples are spread over (one process: just this one).</summary>
        public DataParallel Parallel { get; }

        /// <summary>Training samples this iteration, on every rank (0: every group lacked a spread).</summary>
        public int Samples => _allSamples;

        /// <summary>The times this rank's samples were drawn at, in order.</summary>
        internal IEnumerable<double> Times => _samples.Select(s => s.Time);

        /// <summary>This rank's samples, in order.</summary>
        internal IReadOnlyList<Sample> Drawn => _samples;

        /// <summary>Leaves the samples come from, on every rank: at most this many parts hold any.</summary>
        public int Leaves => _allLeaves;

        /// <summary>This rank's silent-group anchor samples (none when the anchor is off).</summary>
        internal IReadOnlyList<Sample> Anchors { get; init; } = [];

        /// <summary>Silent-group anchor samples on every rank: the anchor's mean is over these.</summary>
        public int AllAnchors { get; init; }

        /// <summary>
        /// Accumulates this rank's gradient of part <paramref name="part"/> of <paramref name="parts"/> (the samples of
        /// leaves whose key mod parts = part), each sample's loss divided by the iteration's sample count.
        /// </summary>
        public void Backward(int part, int parts)
        {
            // whole leaves per part: a leaf's other times in another part would leak its advantage into the signal meter
            BackwardSamples(_samples.Where(s => s.LeafKey % parts == part).ToList(), measureSignal: part == 1 && _steps == 1);
            var anchors = Anchors.Where(s => s.LeafKey % parts == part).ToList();
            int maxBatch = _trainer._loss.MaxBatch;
            for (int start = 0; start < anchors.Count; start += maxBatch)
            {
                var chunk = anchors.GetRange(start, Math.Min(maxBatch, anchors.Count - start));
                using var scope = Torch.NewScope();
                var loss = _trainer.AnchorLoss(chunk, _conditioning, AllAnchors);
                loss.Backward();
                _forwards += chunk.Count * 2L * _trainer.ForwardsPerVelocity(_conditioning);
                _lossSum += loss.Item();
            }
        }

        /// <summary>
        /// Accumulates the gradient of this rank's samples drawn at <paramref name="time"/> alone (each sample's loss still
        /// divided by the iteration's sample count, so the times' gradients sum to the whole term's): where along the
        /// trajectory the gradient's signal and noise lie (<see cref="GradientNoiseProbe"/>). No anchor samples.
        /// </summary>
        internal void BackwardAt(double time) => BackwardSamples([.. _samples.Where(s => s.Time == time)], measureSignal: false);

        private void BackwardSamples(List<Sample> chosen, bool measureSignal)
        {
            int maxBatch = _trainer._loss.MaxBatch;
            for (int start = 0; start < chosen.Count; start += maxBatch)
            {
                var chunk = chosen.GetRange(start, Math.Min(maxBatch, chosen.Count - start));
                using var scope = Torch.NewScope();
                var batch = _trainer.Batch(chunk, _conditioning);
                if (measureSignal) _signal.AddRange(SignalPairs(batch));   // held out from the first step
                var (loss, s) = _trainer._lossFunction.Of(batch, _allSamples);
                loss.Backward();
                _forwards += chunk.Count * (_trainer._lossFunction.NeedsReference ? 3L : 2L) * _trainer.ForwardsPerVelocity(_conditioning);
                _lossSum += loss.Item();
                _stats = new ForwardLossStats(_stats.RefSum + s.RefSum, _stats.Clipped + s.Clipped, _stats.RatioSum + s.RatioSum,
                    _stats.RatioSq + s.RatioSq);
            }
        }

        /// <summary>Counts another term's loss (this rank's share) in the iteration's logged loss.</summary>
        public void AddLoss(double loss) => _lossSum += loss;

        /// <summary>Takes the optimizer step after a part's gradients, unless their clipped norm is not finite.</summary>
        public void Step(double gradNorm, Optimizer optimizer)
        {
            _gradNorm = gradNorm;
            _steps++;
            if (double.IsFinite(gradNorm)) optimizer.Step();
            else _skipped++;
        }

        /// <summary>Updates the old policy and returns the term's statistics.</summary>
        public PolicyUpdateStats Finish()
        {
            _trainer._old.Update(_iteration);
            int n = _allSamples;
            if (n == 0) return new PolicyUpdateStats(0, 0, 0, 1, 0, 0, 0, 0, 0, 0);
            var all = Parallel.Sum(_lossSum, _stats.RefSum, _stats.Clipped, _stats.RatioSum, _stats.RatioSq, _forwards);
            var signal = !Parallel.IsDistributed ? _signal
                : [.. Parallel.Gather([.. _signal.Select(p => p.Advantage)]).Zip(Parallel.Gather([.. _signal.Select(p => p.Change)]))];
            double mean = all[3] / n;
            return new PolicyUpdateStats(all[0], 0, all[2] / n, mean, Math.Sqrt(Math.Max(0, all[4] / n - mean * mean)), _gradNorm,
                all[1] / n, n, (long)all[5], _skipped, SignalMeter.Correlation(signal), signal.Count);
        }

        /// <summary>
        /// The signal meter's pairs on the second part's samples after the first part's step (<see cref="SignalMeter"/>):
        /// each sample's advantage and ‖v_old − u‖² − ‖v_θ − u‖², with u its pretraining target (flow: ε − x0 = (x_t − x0)/t).
        /// </summary>
        private static IEnumerable<(double, double)> SignalPairs(ForwardBatch b)
        {
            using var noGrad = Torch.NoGrad();
            var dims = Enumerable.Range(1, b.X0.Dim - 1).Select(d => (long)d).ToArray();
            var u = b.Target();
            var lead = ((b.VOld - u).Square().Mean(dims) - (b.V.Detach() - u).Square().Mean(dims)).ToDoubleArray();
            return b.Advantages.Select((a, i) => (a, lead[i])).ToList();
        }
    }

    /// <summary>Model forwards per trained velocity: 2 for the guided one under CFG, else 1.</summary>
    private long ForwardsPerVelocity(PromptConditioning conditioning) =>
        _config.TrainedVelocity == TrainedVelocity.Guided ? conditioning.ForwardsPerNode : 1;

    /// <summary>The velocity the loss trains (<see cref="ForwardProcessConfig.TrainedVelocity"/>)
    /// of whatever weights the model holds now.</summary>
    private Tensor TrainedVelocityOf(IVelocityModel model, PromptConditioning conditioning, Tensor xt, Tensor t, Tensor prompts) =>
        _config.TrainedVelocity == TrainedVelocity.Guided
            ? conditioning.Velocity(model, xt, t, prompts)
            : conditioning.ConditionalVelocity(model, xt, t, prompts);

    /// <summary>
    /// The silent-group anchor's loss on a chunk of its samples: λ·Σ mean_D(v_θ − v_ref)² / <paramref name="total"/>,
    /// v_ref the prediction with the adapters off, both of the velocity the loss trains.
    /// </summary>
    private Tensor AnchorLoss(List<Sample> chunk, PromptConditioning conditioning, int total)
    {
        var model = _pipeline.Model;
        var (x0, xt, _, t, prompts) = Noisings(chunk);
        Tensor vRef;
        using (Torch.NoGrad()) vRef = TrainedVelocityOf(new AdapterFreeModel(model), conditioning, xt, t, prompts);
        var v = TrainedVelocityOf(model, conditioning, xt, t, prompts);
        var dims = Enumerable.Range(1, x0.Dim - 1).Select(d => (long)d).ToArray();
        return (v - vRef).Square().Mean(dims).Sum() * (_config.SilentAnchorWeight / total);
    }

    /// <summary>A chunk's clean images, their noisings (each sample's own noise and time), its times as [N] and as
    /// [N, 1, ...], and its prompts' indices.</summary>
    private (Tensor X0, Tensor Xt, Tensor Tb, Tensor T, Tensor Prompts) Noisings(List<Sample> chunk)
    {
        var x0 = Torch.Stack(chunk.Select(s => s.Leaf.State!).ToList()).Clamp(-1, 1);
        var t = Torch.FromArray(chunk.Select(s => (float)s.Time).ToArray());
        var tb = t.PerSampleLike(x0);
        var eps = Torch.Stack(chunk.Select(s => SampleNoise(s, x0)).ToList());
        var xt = _pipeline.Model.Process.Noised(x0, eps, tb);
        var prompts = Torch.FromArray(chunk.Select(s => (long)s.Leaf.Prompt).ToArray());
        return (x0, xt, tb, t, prompts);
    }

    /// <summary>The chunk's tensors: its noisings (each sample's own noise) and the three velocities the losses need.</summary>
    private ForwardBatch Batch(List<Sample> chunk, PromptConditioning conditioning)
    {
        var model = _pipeline.Model;
        var (x0, xt, tb, t, prompts) = Noisings(chunk);

        // the old and reference velocities first: swapping weights in place must not touch a live autograd graph.
        // v_old comes out of the same products as v_θ, adapters unfolded: the loss pulls v_θ toward v_old, so any
        // difference between the two paths is trained on. Folded, the old policy's products round as W + ΔW; in bf16
        // that rounding (2e-3 of the gradient at θ = θ_old with zero advantages, tested) took the shipped nft from 45.6
        // to 24.0 % held-out strict in 120 iterations on a Zen 4 EPYC (docs/BENCHMARKS.md).
        Tensor vOld;
        Tensor? vRef = null;
        using (Torch.NoGrad())
        {
            using (_old.Applied())
                vOld = TrainedVelocityOf(model, conditioning, xt, t, prompts);
            if (_lossFunction.NeedsReference) vRef = TrainedVelocityOf(new AdapterFreeModel(model), conditioning, xt, t, prompts);
        }
        var v = TrainedVelocityOf(model, conditioning, xt, t, prompts);
        var weights = PerPixel(chunk, s => s.PixelWeights, x0, "pixel weights");
        var advantageMap = PerPixel(chunk, s => s.AdvantageMap, x0, "an advantage map");
        return new ForwardBatch(x0, xt, tb, v, vOld, vRef, [.. chunk.Select(s => s.Advantage)], model.Process, weights, advantageMap);
    }

    /// <summary>The chunk's per-pixel arrays of one kind as [N, 1, H, W], or null when its samples carry none.</summary>
    private static Tensor? PerPixel(List<Sample> chunk, Func<Sample, float[]?> of, Tensor x0, string what)
    {
        if (of(chunk[0]) is not { } first) return null;
        long h = x0.Shape[2], w = x0.Shape[3];
        if (first.Length != h * w) throw new InvalidOperationException($"{what} of {first.Length} for {h}x{w} images");
        return Torch.FromArray(chunk.SelectMany(s => of(s)!).ToArray(), [chunk.Count, 1, h, w]);
    }

    /// <summary>A sample's noise ε, the shape of one of <paramref name="x0"/>'s images (−ε for an antithetic twin).</summary>
    internal static Tensor SampleNoise(Sample sample, Tensor x0)
    {
        using var generator = new Generator(sample.NoiseSeed);
        var eps = Torch.Randn(x0.Shape[1..], generator);
        return sample.NegatedNoise ? -eps : eps;
    }

    public void Dispose() => _old.Dispose();
}
