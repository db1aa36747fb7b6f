using System.Diagnostics;
using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Sampling;
using Arbor.Sampling.Steps;
using Arbor.Tensors;

namespace Arbor.Rollouts;

/// <summary>Settings of the rollout engine shared by every strategy.</summary>
public sealed record RolloutConfig
{
    /// <summary>Classifier-free guidance weight in rollouts and training (ALGORITHMS.md §5.1: 4.5).</summary>
    public double Guidance { get; init; } = 4.5;
    /// <summary>SD3/FLUX time shift of the schedule (1 = linear).</summary>
    public double TimeShift { get; init; } = 1.0;
    /// <summary>
    /// Guidance only at times t above this, the conditional velocity alone (one forward, not CFG's two) at or below it: a
    /// guidance interval (Kynkäänniemi et al. 2024 apply CFG in a limited noise range). 0 (default): every step guided,
    /// as every method's paper. For forward-process methods only (a rollout's log-probabilities would not match training's
    /// recomputation); what it saves and costs on the shipped base is in docs/BENCHMARKS.md.
    /// </summary>
    public double GuidanceUntil { get; init; }
    /// <summary>
    /// How ODE steps integrate: <c>euler</c> (default, every method's paper; deterministic DDIM on an ε-prediction model) or
    /// <c>heun</c> (flow models only; second order, twice the evaluations of each ODE step; SDE steps stay
    /// Euler–Maruyama). The shipped base sampled by 10 Heun steps at
    /// shift 2 scores what the 40-step Euler evaluation does (45.6 / 42.2 % strict), by 10 Euler steps 41.9 / 40.9 %:
    /// for rollouts whose images should be the evaluation's (a forward-process method trains on them).
    /// </summary>
    public OdeSolver OdeSolver { get; init; } = OdeSolver.Euler;
    /// <summary>Most nodes per model forward (a memory bound; a CFG forward holds twice as many rows).</summary>
    public int MaxBatch { get; init; } = 128;
    public LogProbReduction LogProbReduction { get; init; } = LogProbReduction.Mean;
    /// <summary>
    /// Rollout waves per iteration: the prompts are split into this many groups, each rolled out to its
    /// leaves before the next starts, so the rewards of one wave are computed while the next one samples
    /// (Flow-GRPO's sampling batches with an async reward executor). 1 = every prompt in one batch: the
    /// largest forwards, no overlap. Worth raising when the reward is slow and not on the same cores
    /// (a remote reward server).
    /// </summary>
    public int Waves { get; init; } = 1;
}

/// <summary>The finished leaves of one rollout wave and their images, ready to be scored.</summary>
public sealed record RolloutWave(int Index, IReadOnlyList<RolloutNode> Leaves, IReadOnlyList<Imaging.Image8> Images);

/// <summary>
/// Runs the rollouts of one iteration for any strategy. At each step every frontier node of every tree of
/// every prompt goes through the model as one batch (chunked to <see cref="RolloutConfig.MaxBatch"/>):
/// one guided forward per node serves all of its children. States are kept only where training needs
/// them (sources and targets of trained edges, and leaves).
/// </summary>
public sealed class RolloutEngine(TextToImagePipeline pipeline, RolloutConfig config)
{
    // the model kind chooses the deterministic step: Euler for a flow model, DDIM (η = 0) for an ε-model
    private readonly IDenoisingStep _ode = DenoisingSteps.Deterministic(pipeline.Model.Process.Kind);

    /// <summary>Keep each node's x̂0 (the model kind's reading of its prediction) as a small image (for `arbor tree`; off in
    /// training).</summary>
    public bool RecordPredictions { get; init; }

    /// <summary>
    /// Roll out with the LoRA adapters folded into copies of the weights (<see cref="AdapterFolding"/>) at every step and
    /// in the prompts' text features: for updates that read no log-probability back (set by the trainer from
    /// <see cref="Training.IPolicyUpdate.UsesRolloutLogProbs"/>). Otherwise only the steps without a trained edge fold (the
    /// ODE steps around a window, untrained SDE steps); a trained edge's step and the text features it uses are computed
    /// unfolded, exactly as training recomputes them.
    /// </summary>
    public bool FoldAdapters { get; set; }

    public RolloutConfig Config => config;

    /// <summary>The rollout's T-step schedule, for the model's kind (its ᾱ(t) for an ε-model).</summary>
    public TimeSchedule Schedule(int steps) => TimeSchedule.Linear(steps, config.TimeShift, pipeline.Model.Process);

    /// <summary>
    /// Whether <paramref name="strategy"/>'s stochastic step and the rollout's ODE solver can advance a model of
    /// <paramref name="kind"/> (<paramref name="model"/> names it); an error naming both kinds if not. A run checks this before
    /// loading its model, and every rollout again.
    /// </summary>
    public static void CheckKinds(IRolloutStrategy strategy, RolloutConfig config, ModelKind kind, string model = "the model")
    {
        DenoisingSteps.RequireKind(strategy.SdeStep, kind, model);
        if (config.OdeSolver == OdeSolver.Heun)
        {
            ModelKinds.Require(ModelKind.Flow, kind, "rollout.ode_solver: heun", model,
                "use euler, which is deterministic DDIM for this kind");
        }
    }

    /// <summary>
    /// Rolls out every prompt, all of its noise from one <paramref name="generator"/> (drawn prompt by prompt, node by
    /// node, in the order the rollout meets them).
    /// </summary>
    public RolloutForest Run(IReadOnlyList<string> prompts, IRolloutStrategy strategy, PromptConditioning conditioning, Generator generator,
        Action<RolloutWave>? waveDone = null) =>
        Run(prompts, strategy, conditioning, [.. Enumerable.Repeat(generator, prompts.Count)], waveDone);

    /// <summary>
    /// Rolls out every prompt, prompt p's noise (its roots' and every SDE child's) drawn from <paramref name="noise"/>[p]
    /// alone: with a generator per prompt, a prompt's rollout is the same whichever prompts share its batches (other
    /// chunk sizes, waves, or another rank's share in data-parallel training). With <see cref="RolloutConfig.Waves"/> > 1
    /// the prompts go in consecutive groups and <paramref name="waveDone"/> receives each group's leaves as soon as they exist.
    /// </summary>
    public RolloutForest Run(IReadOnlyList<string> prompts, IRolloutStrategy strategy, PromptConditioning conditioning,
        IReadOnlyList<Generator> noise,
        Action<RolloutWave>? waveDone = null)
    {
        if (noise.Count != prompts.Count)
        {
            throw new ArgumentException($"{noise.Count} noise generators for {prompts.Count} prompts: one per " +
                $"prompt is needed", nameof(noise));
        }
        if (config.Waves < 1) throw new ArgumentOutOfRangeException(nameof(config), config.Waves, "rollout.waves must be >= 1");
        var clock = Stopwatch.StartNew();
        var model = pipeline.Model;
        CheckKinds(strategy, config, model.Process.Kind);
        var schedule = Schedule(strategy.Steps);
        var forest = new RolloutForest(prompts, strategy.Steps);
        using var noGrad = Torch.NoGrad();
        using var folded = FoldAdapters ? AdapterFolding.Folded(model) : null;
        // the weights are fixed for the whole rollout: project every prompt's text once for all steps
        using var text = conditioning.Prepare(model);

        // ---- roots: one noise per tree (or one per prompt, shared by its trees) ----
        var roots = new List<RolloutNode>();
        using (var scope = Torch.NewScope())
        {
            for (int p = 0; p < prompts.Count; p++)
            {
                var shared = strategy.SharedRootNoise ? Torch.Randn(model.SampleShape, noise[p]) : null;
                for (int tree = 0; tree < strategy.TreesPerPrompt; tree++)
                {
                    var root = forest.Add(p, tree, 0, 0, null);
                    root.SetState((shared ?? Torch.Randn(model.SampleShape, noise[p])).Clone());
                    roots.Add(root);
                }
            }
        }

        long forwards = 0, evaluations = 0;
        var images = new List<Imaging.Image8>();
        int waves = Math.Min(config.Waves, prompts.Count);
        for (int w = 0; w < waves; w++)
        {
            // prompts [w·P/W, (w+1)·P/W): each wave's leaves come after the previous wave's, as in forest.Leaves
            int first = w * prompts.Count / waves, end = (w + 1) * prompts.Count / waves;
            var frontier = roots.Where(r => r.Prompt >= first && r.Prompt < end).ToList();
            for (int i = 0; i < strategy.Steps; i++)
            {
                var expansions = frontier.Select(strategy.Expand).ToList();
                // a step with a trained edge computes as training will (its log-probabilities are read back: ρ = 1);
                // every other step (ODE, untrained SDE) may take the folded product
                using var stepFolded = folded is null && expansions.All(e => !(e.Stochastic && e.Trained))
                    ? AdapterFolding.Folded(model) : null;
                var next = new List<RolloutNode>();
                for (int start = 0; start < frontier.Count; start += config.MaxBatch)
                {
                    int count = Math.Min(config.MaxBatch, frontier.Count - start);
                    var chunk = frontier.GetRange(start, count);
                    next.AddRange(Advance(forest, chunk, expansions.GetRange(start, count), strategy, conditioning,
                        text, schedule, i, noise, out int secondSlopes));
                    forwards += (long)count * conditioning.ForwardsAt(schedule.Times[i])
                        + (long)secondSlopes * conditioning.ForwardsAt(HeunSampler.SecondSlopeTime(schedule, i));
                    evaluations += count + secondSlopes;
                }
                foreach (var node in frontier)
                    if (!NeededForTraining(node)) node.ReleaseState();
                frontier = next;
            }

            // ---- leaves: images for the reward; their states stay for targets of trained edges ----
            using (var scope = Torch.NewScope())
            {
                var batch = Torch.Stack(frontier.Select(l => l.State!).ToList()).Clamp(-1, 1);
                var waveImages = TextToImagePipeline.ToImages(batch);
                if (RecordPredictions)
                    for (int j = 0; j < frontier.Count; j++) frontier[j].Prediction = waveImages[j];
                images.AddRange(waveImages);
                waveDone?.Invoke(new RolloutWave(w, frontier, waveImages));
            }
        }
        forest.Images = images;
        forest.Stats =
            new RolloutStats(forwards, evaluations, forest.Leaves.Count, forest.TrainedEdges.Count(), clock.Elapsed.TotalSeconds);
        return forest;
    }

    /// <summary>Training scores trained edges: it needs the state before (source) and after (target) each.</summary>
    private static bool NeededForTraining(RolloutNode node) =>
        node.Incoming is { Trained: true } || node.Children.Any(e => e.Trained);

    /// <summary>
    /// One step for a chunk of frontier nodes: one guided forward, then every child sampled at once. With the Heun solver
    /// the chunk's ODE nodes take one more forward each (<paramref name="secondSlopes"/> of them).
    /// </summary>
    private List<RolloutNode> Advance(RolloutForest forest, List<RolloutNode> nodes, List<NodeExpansion> plans, IRolloutStrategy strategy,
        PromptConditioning conditioning, IPreparedText text, TimeSchedule schedule, int i, IReadOnlyList<Generator> noise,
        out int secondSlopes)
    {
        using var scope = Torch.NewScope();
        var x = Torch.Stack(nodes.Select(n => n.State!).ToList());
        var t = Torch.Full([nodes.Count], schedule.Times[i]);
        var promptIndex = Torch.FromArray(nodes.Select(n => (long)n.Prompt).ToArray());
        var v = conditioning.Velocity(pipeline.Model, x, t, promptIndex, text);
        if (RecordPredictions)
        {
            var predictions = TextToImagePipeline.ToImages(schedule.Process.CleanEstimate(x, v, t).Clamp(-1, 1));
            for (int j = 0; j < nodes.Count; j++) nodes[j].Prediction = predictions[j];
        }
        var noiseScale = Torch.FromArray(plans.Select(p => (float)p.NoiseScale).ToArray());
        // each transition only when some node of the chunk takes it (window strategies are mostly ODE)
        var sde = plans.Any(p => p.Stochastic) ? strategy.SdeStep.Transition(x, v, schedule, i, noiseScale) : null;
        var (odeMean, odeRow) = OdeMeans(nodes, plans, conditioning, text, x, v, promptIndex, schedule, i);
        secondSlopes = config.OdeSolver == OdeSolver.Heun ? odeRow.Count(r => r >= 0) : 0;

        // rows of the children: parent index, and whether each is stochastic
        var parentRows = new List<long>();
        for (int j = 0; j < nodes.Count; j++)
        {
            if (!plans[j].Stochastic && plans[j].Children != 1)
            {
                throw new InvalidOperationException($"strategy {strategy.Name} asked for {plans[j].Children} children of an " +
                    $"ODE step at step {i}");
            }
            for (int c = 0; c < plans[j].Children; c++) parentRows.Add(j);
        }
        Tensor? sampled = null;
        double[] logProb = [];
        if (sde is not null)
        {
            var rows = Torch.FromArray(parentRows.ToArray());
            var childTransition = new Transition(sde.Mean.IndexSelect(0, rows), sde.Std.IndexSelect(0, rows));
            sampled = DenoisingSteps.Sample(childTransition, ChildNoise(nodes, plans, childTransition.Mean, noise));
            logProb = GaussianLogProb.Of(sampled, childTransition, config.LogProbReduction).ToDoubleArray();
        }

        var children = new List<RolloutNode>(parentRows.Count);
        int row = 0;
        for (int j = 0; j < nodes.Count; j++)
        {
            var plan = plans[j];
            var parent = nodes[j];
            int depth = parent.Depth + (plan.Children > 1 ? 1 : 0);
            for (int c = 0; c < plan.Children; c++, row++)
            {
                var edge = new RolloutEdge(parent, i, plan.Stochastic, plan.Trained && plan.Stochastic, plan.NoiseScale);
                var child = forest.Add(parent.Prompt, parent.Tree, i + 1, depth, edge);
                if (plan.Stochastic)
                {
                    edge.LogProbOld = logProb[row];
                    child.SetState(sampled!.Select(0, row).Clone());
                }
                else
                {
                    child.SetState(odeMean!.Select(0, odeRow[j]).Clone());
                }
                children.Add(child);
            }
        }
        return children;
    }

    /// <summary>
    /// The next states of the chunk's ODE nodes, and each node's row in them (−1 for a stochastic node). Euler steps
    /// every row of the chunk (one elementwise op, the rows of SDE nodes unused); Heun evaluates the second slope on
    /// the ODE nodes alone.
    /// </summary>
    private (Tensor? Mean, int[] Row) OdeMeans(List<RolloutNode> nodes, List<NodeExpansion> plans, PromptConditioning conditioning,
        IPreparedText text, Tensor x, Tensor v, Tensor promptIndex, TimeSchedule schedule, int i)
    {
        var odeNodes = Enumerable.Range(0, nodes.Count).Where(j => !plans[j].Stochastic).ToArray();
        var row = Enumerable.Repeat(-1, nodes.Count).ToArray();
        if (odeNodes.Length == 0) return (null, row);
        if (config.OdeSolver == OdeSolver.Euler)
        {
            foreach (int j in odeNodes) row[j] = j;
            return (_ode.Transition(x, v, schedule, i).Mean, row);
        }
        for (int r = 0; r < odeNodes.Length; r++) row[odeNodes[r]] = r;
        var index = Torch.FromArray(odeNodes.Select(j => (long)j).ToArray());
        var prompts = promptIndex.IndexSelect(0, index);
        Tensor Slope(Tensor at, double t) =>
            conditioning.Velocity(pipeline.Model, at, Torch.Full([at.Size(0)], t), prompts, text).To(DType.Float32);
        var mean = HeunSampler.Update(Slope, x.IndexSelect(0, index).To(DType.Float32), v.IndexSelect(0, index).To(DType.Float32),
            schedule, i);
        return (mean, row);
    }

    /// <summary>
    /// Independent N(0, I) per child, or BranchGRPO's correlated siblings ξ_b = (ξ_0 + s·η_b)/sqrt(1 + s²); each parent's
    /// draws from its prompt's generator, parent by parent (its children's ξ, then its common ξ_0). One row per child of
    /// every parent in the chunk, as the transition's rows are.
    /// </summary>
    private static Tensor ChildNoise(List<RolloutNode> parents, List<NodeExpansion> plans, Tensor like, IReadOnlyList<Generator> noise)
    {
        using var scope = Torch.NewScope();
        var sampleShape = like.Shape[1..];
        bool correlated = plans.Any(p => p.NoiseCorrelation != 0);
        var rows = new List<Tensor>();
        var shared = new List<Tensor>();
        for (int j = 0; j < parents.Count; j++)
        {
            if (!plans[j].Stochastic)
            {
                // an ODE child in a chunk that also samples: its row is not used, and draws nothing
                rows.Add(Torch.Zeros([1, .. sampleShape]));
                if (correlated) shared.Add(rows[^1].Select(0, 0));
                continue;
            }
            var generator = noise[parents[j].Prompt];
            rows.Add(Torch.Randn([plans[j].Children, .. sampleShape], generator));
            if (!correlated) continue;
            var common = Torch.Randn(sampleShape, generator);
            for (int c = 0; c < plans[j].Children; c++) shared.Add(common);
        }
        var z = Torch.Cat(rows);
        if (!correlated) return scope.MoveToOuter(z);
        // per child row: ξ = a·ξ_0 + b·η with a = 1/sqrt(1 + s²), b = s/sqrt(1 + s²); s = 0 means independent (a = 0, b = 1)
        var s = plans.SelectMany(p => Enumerable.Repeat(p.NoiseCorrelation, p.Children)).ToArray();
        var a = Torch.FromArray(s.Select(v => v == 0 ? 0f : (float)(1 / Math.Sqrt(1 + v * v))).ToArray());
        var b = Torch.FromArray(s.Select(v => v == 0 ? 1f : (float)(v / Math.Sqrt(1 + v * v))).ToArray());
        var mixed = a.PerSampleLike(like) * Torch.Stack(shared) + b.PerSampleLike(like) * z;
        return scope.MoveToOuter(mixed);
    }
}
