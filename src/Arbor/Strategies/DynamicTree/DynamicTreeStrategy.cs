using Arbor.Rollouts;
using Arbor.Sampling.Steps;
using Arbor.Tensors;

namespace Arbor.Strategies.DynamicTree;

/// <summary>Dynamic-TreeRPO (ALGORITHMS.md §5.6) settings; each component switches off on its own for ablations.</summary>
public sealed record DynamicTreeConfig
{
    public int Steps { get; init; } = 10;
    public int NumTrees { get; init; } = 1;
    /// <summary>Binary tree (k = 2).</summary>
    public int Branching { get; init; } = 2;
    /// <summary>Window depth d (4 → 16 leaves).</summary>
    public int Depth { get; init; } = 4;
    /// <summary>SDE noise level a (Flow-GRPO's 0.7); η with sde_kind ddim (DDPO: 1.0).</summary>
    public double NoiseLevel { get; init; } = 0.7;
    /// <summary>
    /// The stochastic step: on a flow model flow (Flow-GRPO's SDE, default) or cps (coefficients-preserving sampling); on an
    /// ε-prediction model ddim (DDIM with η = noise_level; <see cref="Arbor.Sampling.Steps.SdeKind"/>).
    /// </summary>
    public Arbor.Sampling.Steps.SdeKind SdeKind { get; init; } = Arbor.Sampling.Steps.SdeKind.Flow;
    /// <summary>Iterations between window moves τ (the window slides as MixGRPO's).</summary>
    public int ShiftEvery { get; init; } = 25;
    /// <summary>
    /// The last window start before the window wraps to step 0; null = T − d − 1, the latest window that leaves the last
    /// step untrained (ALGORITHMS.md §2: its Gaussian is nearly degenerate).
    /// An earlier bound keeps the branching on noisy steps, where siblings' images differ enough for their
    /// rewards to say something (docs/BENCHMARKS.md).
    /// </summary>
    public int? LastWindowStart { get; init; }
    /// <summary>Depth noise: σ_t(k) = σ_t·(1 + β·k/d).</summary>
    public bool DepthNoise { get; init; } = true;
    /// <summary>β of the depth noise (default 1.0, to be tuned by the benchmark).</summary>
    public double DepthNoiseBeta { get; init; } = 1.0;
    /// <summary>Dynamic-adaptive clipping.</summary>
    public bool AdaptiveClip { get; init; } = true;
    /// <summary>η of the adaptive clip.</summary>
    public double AdaptiveClipEta { get; init; } = 1.0;
    /// <summary>LayerTuning-RL's SFT term.</summary>
    public bool LayerTuning { get; init; } = true;
    /// <summary>λ of the LayerTuning term.</summary>
    public double LayerTuningWeight { get; init; } = 0.1;
    /// <summary>
    /// Where LayerTuning's error is measured: "velocity" (ALGORITHMS.md §5.6: mean_D(v_θ − u_n)²) or "x0"
    /// (mean_D(x̂0_θ − x0*)² = t_n²·mean_D(v_θ − u_n)², with x̂0 = x_n − t_n·v_θ). The velocity target
    /// u_n = (x_n − x0*)/t_n grows as 1/t_n when x_n is on another branch than the best leaf; the x0 form
    /// keeps every node's term on the scale of an image difference.
    /// </summary>
    public LayerTuningSpace LayerTuningSpace { get; init; } = LayerTuningSpace.Velocity;
    /// <summary>
    /// Which LayerTuning-RL (ALGORITHMS.md §5.6): v1 (window nodes toward the best leaf; measured harmful), leaf_sft
    /// (v2 a: flow matching on the tree's leaves weighted by max(0, A)) or leaf_nft (v2 b: the same with
    /// DiffusionNFT's implicit negative, so worse-than-average leaves are pushed away) or path_sft (v2 c: the best
    /// path's edges imitated by log-likelihood where they made progress, λ·w_e added to their advantages inside their
    /// clip; <see cref="LayerTuning.BestPathProgress"/>). The leaf forms train
    /// <see cref="LayerTuningTimes"/> re-noisings of every leaf in the same loss as the policy gradient, λ·L_leaf added
    /// before each optimizer step (<see cref="Training.CompositeUpdate"/>).
    /// </summary>
    public LayerTuningForm LayerTuningForm { get; init; } = LayerTuningForm.V1;
    /// <summary>Re-noisings per leaf of the leaf forms, at the rollout's times with fresh noise.</summary>
    public int LayerTuningTimes { get; init; } = 2;
    /// <summary>
    /// Where leaf_nft's term measures its errors, as <see cref="NftConfig.LossSpace"/>: x0 (default, DiffusionNFT's) or
    /// prediction, the model's own output space. On an ε-model x0 space weighs the noisiest re-noisings a hundredfold and
    /// nft collapses there (docs/BENCHMARKS.md, "nft on the ε-base"); prediction space is what that kind needs.
    /// </summary>
    public NftLossSpace LayerTuningLossSpace { get; init; } = NftLossSpace.X0;
}

/// <summary>The forms of LayerTuning-RL (ALGORITHMS.md §5.6).</summary>
public enum LayerTuningForm
{
    [System.Runtime.Serialization.EnumMember(Value = "v1")] V1,
    [System.Runtime.Serialization.EnumMember(Value = "leaf_sft")] LeafSft,
    [System.Runtime.Serialization.EnumMember(Value = "leaf_nft")] LeafNft,
    [System.Runtime.Serialization.EnumMember(Value = "path_sft")] PathSft,
}

/// <summary>
/// A binary sliding-window tree: branching at the d window steps (placed as MixGRPO's window), ODE prefix
/// shared per tree and ODE to the leaves; window edges trained. At tree layer k (the node's branching
/// depth) the noise level is σ_t·(1 + β·k/d) and the edge's log-probability uses exactly that std.
/// </summary>
public sealed class DynamicTreeStrategy(DynamicTreeConfig config, double clipRange = 1e-4) : IRolloutStrategy, ILossShaping
{
    private readonly AdaptiveClipping _clip = AdaptiveClipping.FromBase(clipRange, config.AdaptiveClipEta);
    private Dictionary<RolloutNode, LayerTuning.Target> _targets = new();
    private double _targetWeight;

    public string Name => "dynamic_tree";
    public int Steps => config.Steps;
    public int TreesPerPrompt => config.NumTrees;
    public bool SharedRootNoise => false;
    public IDenoisingStep SdeStep { get; } = Arbor.Sampling.Steps.SdeSteps.Create(config.SdeKind, config.NoiseLevel);
    public DynamicTreeConfig Config => config;
    public int WindowStart { get; private set; }

    public void BeginIteration(long iteration, Random random) =>
        WindowStart =
            SlidingWindow.Start(iteration, config.ShiftEvery, starts: (config.LastWindowStart ?? config.Steps - config.Depth - 1) + 1);

    /// <summary>σ multiplier at tree layer k.</summary>
    public double NoiseScale(int layer) => config.DepthNoise ? 1 + config.DepthNoiseBeta * layer / config.Depth : 1.0;

    public NodeExpansion Expand(RolloutNode node) =>
        node.Step >= WindowStart && node.Step < WindowStart + config.Depth
            ? new NodeExpansion(config.Branching, Stochastic: true, Trained: true, NoiseScale: NoiseScale(node.Depth))
            : NodeExpansion.Ode;

    public EdgeAdvantageMode AdvantageMode => EdgeAdvantageMode.TreeBackup;

    // ---- ILossShaping: adaptive clipping and LayerTuning-RL, each switchable ----

    public void Prepare(RolloutForest forest, Distributed.DataParallel? parallel = null)
    {
        _targets = config.LayerTuning && config.LayerTuningForm == LayerTuningForm.V1
            ? LayerTuning.Targets(forest).Where(t => t.Weight > 0).ToDictionary(t => t.Node) : new();
        // the term is normalized by the iteration's total weight: every rank's targets
        _targetWeight = (parallel ?? Distributed.DataParallel.Single()).Sum(_targets.Values.Sum(t => t.Weight))[0];
        if (config.LayerTuning && config.LayerTuningForm == LayerTuningForm.PathSft)
        {
            foreach (var (edge, progress) in LayerTuning.BestPathProgress(forest))
                edge.Advantage += config.LayerTuningWeight * progress;
        }
    }

    public (double Low, double High)? ClipInterval(RolloutEdge edge) => config.AdaptiveClip ? _clip.Interval(edge) : null;

    /// <summary>
    /// λ·Σ_n w_n·mean_D(v(x_n, t_n) − u_n)² / Σ_n w_n over this forward's window nodes, u_n the prediction whose x̂0 is the
    /// best leaf's sample (flow: (x_n − x0*)/t_n); in "x0" space each term is scaled by (∂x̂0/∂v)² (flow: t_n²), the error of
    /// x̂0 against the best leaf's sample.
    /// </summary>
    public Tensor? ExtraLoss(TrainingStepBatch batch)
    {
        if (_targetWeight <= 0) return null;
        var rows = batch.Sources.Select((n, i) => (n, i)).Where(p => _targets.ContainsKey(p.n)).ToList();
        if (rows.Count == 0) return null;
        using var scope = Torch.NewScope();
        var index = Torch.FromArray(rows.Select(p => (long)p.i).ToArray());
        var x = batch.States.IndexSelect(0, index);
        var v = batch.Velocity.IndexSelect(0, index);
        var best = Torch.Stack(rows.Select(p => _targets[p.n].BestLeaf.State!).ToList());
        var u = batch.Process.PredictionFor(x, best, Torch.Full([rows.Count], batch.Time));
        var w = Torch.FromArray(rows.Select(p => (float)_targets[p.n].Weight).ToArray());
        var dims = Enumerable.Range(1, v.Dim - 1).Select(d => (long)d).ToArray();
        // x̂0 is affine in the prediction: its error is the prediction's times ∂x̂0/∂v (−t_n for a flow model)
        double slope = batch.Process.CleanEstimateSlope(batch.Time);
        double space = config.LayerTuningSpace == LayerTuningSpace.X0 ? slope * slope : 1.0;
        var term = (w * (v - u).Square().Mean(dims)).Sum() * (config.LayerTuningWeight * space / _targetWeight);
        return scope.MoveToOuter(term);
    }
}
