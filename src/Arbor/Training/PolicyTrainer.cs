using Arbor.Distributed;
using Arbor.Pipelines;
using Arbor.Rollouts;
using Arbor.Sampling;
using Arbor.Sampling.Steps;
using Arbor.Strategies;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;

namespace Arbor.Training;

/// <summary>What one policy update measured (ALGORITHMS.md §3's per-iteration log).</summary>
/// <param name="Signal">
/// The signal meter (issue #14): is the update pointing uphill? The Pearson correlation, over the edges of the second
/// minibatch, between each edge's advantage and the change of its log-probability that the first optimizer step
/// caused (log π_θ₁ − log π_old, measured at the second minibatch's forward, before its own step). The first step
/// was computed without those edges, so a positive value means the step generalizes toward better actions; a
/// null control (shuffled rewards) reads about 0. NaN with a single minibatch (updates_per_iteration 1) or fewer
/// than 3 such edges.
/// </param>
/// <param name="SignalEdges">Edges the signal was measured on.</param>
public sealed record PolicyUpdateStats(double Loss, double ApproxKl, double ClipFraction, double RatioMean, double RatioStd,
    double GradNorm, double Kl, int Edges, long TrainingForwards, int SkippedUpdates, double Signal = double.NaN, int SignalEdges = 0);

/// <summary>
/// Updates the policy on a rollout forest's trained edges: for every edge e, ρ_e = exp(log π_θ − log π_old),
/// L_e = −min(ρ_e·A_e, clip(ρ_e, 1 − ε_lo(e), 1 + ε_hi(e))·A_e) (+ β·KL_e), averaged over edges. One guided
/// forward per source node scores all of its children; nodes of the same step are batched.
/// </summary>
public sealed class PolicyTrainer(TextToImagePipeline pipeline, IDenoisingStep sde, TimeSchedule schedule, PolicyLossConfig config,
    LogProbReduction reduction = LogProbReduction.Mean) : IPolicyUpdate
{
    /// <summary>A strategy's per-edge clip interval and extra loss term (Dynamic-TreeRPO), or null.</summary>
    public ILossShaping? Shaping { get; init; }

    /// <summary>Pretraining-data replay added to every step's loss (<see cref="ReplayConfig"/>), or null.</summary>
    public PretrainingReplay? Replay { get; init; }

    public TimeSchedule Schedule => schedule;

    /// <summary>The iteration's update: the strategy's loss shaping sees the
    /// scored forest first (LayerTuning's targets), then the step.</summary>
    PolicyUpdateStats IPolicyUpdate.Update(long iteration, RolloutForest forest, Advantages.AdvantageResult advantages,
        PromptConditioning conditioning,
        Optimizer optimizer, DataParallel? parallel) =>
        UpdateScored(forest, conditioning, optimizer, alsoBackward: null, parallel, iteration);

    /// <summary>The strategy's loss shaping sees the scored forest (LayerTuning's targets), then <see cref="Update"/>.</summary>
    public PolicyUpdateStats UpdateScored(RolloutForest forest, PromptConditioning conditioning, Optimizer optimizer,
        Action<int, int>? alsoBackward,
        DataParallel? parallel = null, long iteration = 0)
    {
        Shaping?.Prepare(forest, parallel);
        return Update(forest, conditioning, optimizer, alsoBackward, parallel, iteration);
    }

    /// <summary>
    /// Which of <paramref name="parts"/> minibatches each source node goes to: (its prompt's index in the iteration + its
    /// index among that prompt's sources) mod parts. A node's part depends on its own prompt alone, so the ranks of a
    /// data-parallel run, each holding some prompts, split the iteration into the same minibatches one process does.
    /// </summary>
    public static int[] Parts(RolloutForest forest, IReadOnlyList<RolloutNode> sources, int parts)
    {
        var seen = new Dictionary<int, int>();
        return [.. sources.Select(n =>
        {
            int k = seen.GetValueOrDefault(n.Prompt);
            seen[n.Prompt] = k + 1;
            return (forest.GlobalPrompt(n.Prompt) + k) % parts;
        })];
    }

    /// <summary>
    /// The clipped-surrogate update on the forest's trained edges, in <c>updates_per_iteration</c> minibatches of whole
    /// source nodes, one optimizer step each. <paramref name="alsoBackward"/>(part, parts), when given, adds another
    /// term's gradient for the same part before the step: one loss, L_pg + λ·L_term, as ALGORITHMS.md §3 writes
    /// LayerTuning-RL's, rather than two steps that the optimizer would normalize each to full size. Over several ranks
    /// (<paramref name="parallel"/>) each minibatch is the union of the ranks' parts, its gradients summed across them
    /// before the step, and the statistics are the iteration's.
    /// </summary>
    public PolicyUpdateStats Update(RolloutForest forest, PromptConditioning conditioning, Optimizer optimizer,
        Action<int, int>? alsoBackward = null,
        DataParallel? parallel = null, long iteration = 0)
    {
        var dp = parallel ?? DataParallel.Single();
        var model = pipeline.Model;
        var edges = forest.TrainedEdges.ToList();
        // minibatches are whole source nodes (all children of a node share its forward); every rank takes the same steps
        var sources = edges.GroupBy(e => e.From).Select(g => g.Key).ToList();
        int allSources = (int)dp.Sum(sources.Count)[0];
        if (allSources == 0) return new PolicyUpdateStats(0, 0, 0, 1, 0, 0, 0, 0, 0, 0);
        // the signal meter's pairs (advantage, Δ log-prob) from the second minibatch (SignalMeter)
        var signal = new List<(double Advantage, double Change)>();
        var parameters = model.Parameters(trainableOnly: true).ToList();

        double lossSum = 0, klSum = 0, approxKl = 0, clipped = 0, ratioSum = 0, ratioSq = 0, gradNorm = 0;
        long forwards = 0;
        int skipped = 0;
        int updates = Math.Clamp(config.UpdatesPerIteration, 1, allSources);
        var partOf = Parts(forest, sources, updates);
        var localEdges = new double[updates];
        for (int i = 0; i < sources.Count; i++) localEdges[partOf[i]] += sources[i].Children.Count(e => e.Trained);
        var edgesPerPart = dp.Sum(localEdges);
        for (int u = 0; u < updates; u++)
        {
            if (edgesPerPart[u] == 0) continue;   // no prompt of the iteration has a source in this part
            var part = sources.Where((_, i) => partOf[i] == u).ToList();
            int partEdges = (int)edgesPerPart[u];
            optimizer.ZeroGrad();
            foreach (var stepGroup in part.GroupBy(n => n.Step).OrderBy(g => g.Key))
            {
                var nodes = stepGroup.ToList();
                for (int start = 0; start < nodes.Count; start += config.MaxBatch)
                {
                    var chunk = nodes.GetRange(start, Math.Min(config.MaxBatch, nodes.Count - start));
                    using var scope = Torch.NewScope();
                    var (loss, stats) = ChunkLoss(chunk, stepGroup.Key, conditioning, partEdges, u == 1 ? signal : null);
                    loss.Backward();
                    forwards += (long)chunk.Count * conditioning.ForwardsPerNode * (config.KlWeight > 0 ? 2 : 1);
                    lossSum += stats.Loss; klSum += stats.Kl; approxKl += stats.ApproxKl; clipped += stats.Clipped;
                    ratioSum += stats.RatioSum; ratioSq += stats.RatioSq;
                }
            }
            alsoBackward?.Invoke(u, updates);
            if (Replay is not null) lossSum += Replay.Backward(iteration, u, updates, dp);
            dp.AllReduceGradients(parameters);
            gradNorm = GradClip.ClipByGlobalNorm(parameters, config.GradClip);
            if (double.IsFinite(gradNorm)) optimizer.Step();
            else skipped++;
        }
        var all = dp.Sum(lossSum, klSum, approxKl, clipped, ratioSum, ratioSq, forwards, edges.Count);
        (lossSum, klSum, approxKl, clipped, ratioSum, ratioSq, forwards) = (all[0], all[1], all[2], all[3], all[4], all[5], (long)all[6]);
        int n = (int)all[7];
        if (dp.IsDistributed)
            signal = [.. dp.Gather([.. signal.Select(p => p.Advantage)]).Zip(dp.Gather([.. signal.Select(p => p.Change)]))];
        double mean = ratioSum / n;
        return new PolicyUpdateStats(lossSum, approxKl / n, clipped / n, mean, Math.Sqrt(Math.Max(0, ratioSq / n - mean * mean)),
            gradNorm, klSum / n, n, forwards, skipped, SignalMeter.Correlation(signal), signal.Count);
    }

    private readonly record struct ChunkStats(double Loss, double Kl, double ApproxKl, double Clipped, double RatioSum, double RatioSq);

    /// <summary>The loss of one chunk of source nodes at one step, already divided by the minibatch's edge count.</summary>
    private (Tensor Loss, ChunkStats Stats) ChunkLoss(List<RolloutNode> chunk, int step, PromptConditioning conditioning, int totalEdges,
        List<(double Advantage, double Change)>? signal)
    {
        var model = pipeline.Model;
        var x = Torch.Stack(chunk.Select(nd => nd.State!).ToList());
        var t = Torch.Full([chunk.Count], schedule.Times[step]);
        var prompts = Torch.FromArray(chunk.Select(nd => (long)nd.Prompt).ToArray());
        var (v, conditional) = conditioning.Velocities(model, x, t, prompts);

        // children rows: each trained edge scored against its source node's transition
        var edges = chunk.SelectMany(nd => nd.Children.Where(e => e.Trained)).ToList();
        var rows = Torch.FromArray(edges.Select(e => (long)chunk.IndexOf(e.From)).ToArray());
        var scale = Torch.FromArray(chunk.Select(nd => (float)nd.Children.First(e => e.Trained).NoiseScale).ToArray());
        var transition = sde.Transition(x, v, schedule, step, scale);
        var mean = transition.Mean.IndexSelect(0, rows);
        var std = transition.Std.IndexSelect(0, rows);
        var logp = GaussianLogProb.Of(Torch.Stack(edges.Select(e => e.To.State!).ToList()), new Transition(mean, std), reduction);

        var old = Torch.FromArray(edges.Select(e => e.LogProbOld).ToArray()).To(DType.Float32);
        var adv = Torch.FromArray(edges.Select(e => (float)e.Advantage).ToArray());
        var ratio = (logp - old).Exp();
        var (lo, hi) = ClipBounds(edges);
        // −min(ρA, clip(ρ)A) = max(−ρA, −clip(ρ)A)
        var surrogate = (-(ratio * adv)).Maximum(-(ratio.Minimum(hi).Maximum(lo) * adv));
        var loss = surrogate.Sum();

        double klValue = 0;
        if (config.KlWeight > 0)
        {
            Tensor refMean;
            using (Torch.NoGrad())
            {
                LoraInjection.SetEnabled(model, false);
                try
                {
                    refMean = sde.Transition(x, conditioning.Velocity(model, x, t, prompts), schedule, step, scale)
                        .Mean.IndexSelect(0, rows);
                }
                finally { LoraInjection.SetEnabled(model, true); }
            }
            var dims = Enumerable.Range(1, mean.Dim - 1).Select(d => (long)d).ToArray();
            var kl = (mean - refMean).Square().Mean(dims) / (std.Flatten().Square() * 2);
            loss = loss + kl.Sum() * config.KlWeight;
            klValue = kl.Sum().Item();
        }
        var normalized = loss / totalEdges;
        double extraValue = 0;
        if (Shaping?.ExtraLoss(new TrainingStepBatch(step, schedule.Times[step], chunk, conditional, x, schedule.Process)) is { } extra)
        {
            normalized = normalized + extra;
            extraValue = extra.Item();
        }

        var r = ratio.ToDoubleArray();
        var lp = (logp - old).ToDoubleArray();
        signal?.AddRange(edges.Select((e, i) => (e.Advantage, lp[i])));
        var (low, high) = (lo.ToDoubleArray(), hi.ToDoubleArray());
        double clippedCount = r.Select((q, i) => q < low[i] || q > high[i] ? 1.0 : 0.0).Sum();
        var stats = new ChunkStats(loss.Item() / totalEdges + extraValue, klValue, lp.Sum(d => 0.5 * d * d), clippedCount,
            r.Sum(), r.Sum(q => q * q));
        return (normalized, stats);
    }

    private (Tensor Low, Tensor High) ClipBounds(List<RolloutEdge> edges)
    {
        var bounds = edges.Select(e => Shaping?.ClipInterval(e) ?? (config.ClipRange, config.ClipRange)).ToArray();
        return (Torch.FromArray(bounds.Select(b => (float)(1 - b.Low)).ToArray()),
            Torch.FromArray(bounds.Select(b => (float)(1 + b.High)).ToArray()));
    }
}
