using Arbor.Pipelines;
using Arbor.Rollouts;
using Arbor.Strategies;
using Arbor.Strategies.DynamicTree;

namespace Arbor.Training;

/// <summary>
/// One strategy as a run builds it: the name a config's <c>strategy:</c> gives, its rollout strategy built from its
/// config section, the loss it trains with (null: the policy gradient of the GRPO family, ALGORITHMS.md §3), the
/// checks of its section beyond the shared ones, and whether its loss reads the rollout's log-probabilities back
/// (<see cref="IPolicyUpdate.UsesRolloutLogProbs"/>: the GRPO family's, not the forward-process methods').
/// </summary>
public sealed record StrategyEntry(
    string Name,
    Func<GrpoTrainConfig, IRolloutStrategy> Create,
    Func<GrpoTrainConfig, TextToImagePipeline, IRolloutStrategy, RolloutEngine, IPolicyUpdate>? Update = null,
    Func<GrpoTrainConfig, IEnumerable<string>>? Problems = null,
    bool ReadsRolloutLogProbs = true);

/// <summary>
/// Every strategy Arbor ships, in one place: adding one is an entry here and its config section in the part of
/// <see cref="GrpoTrainConfig"/> below (a typed record, so a bad value is a config error at its line), beside its own
/// files. Names, construction, the loss and validation all read this table.
/// </summary>
public static class StrategyRegistry
{
    public static IReadOnlyList<StrategyEntry> All { get; } =
    [
        new("flow_grpo", c => new FlowGrpoStrategy(c.FlowGrpo)),
        new("dance_grpo", c => new DanceGrpoStrategy(c.DanceGrpo)),
        new("mix_grpo", c => new MixGrpoStrategy(c.MixGrpo)),
        new("tree_grpo", c => new TreeGrpoStrategy(c.TreeGrpo)),
        new("branch_grpo", c => new BranchGrpoStrategy(c.BranchGrpo)),
        new("dynamic_tree", c => new DynamicTreeStrategy(c.DynamicTree, c.Loss.ClipRange),
            (c, pipeline, strategy, engine) => c.DynamicTree is
            {
                LayerTuning: true,
                LayerTuningForm: LayerTuningForm.LeafSft or LayerTuningForm.LeafNft
            } dt
                ? PolicyUpdates.WithLeafTerm(c, dt, pipeline, strategy, engine)
                : PolicyUpdates.PolicyGradient(c, pipeline, strategy, engine)),
        new("nft", c => new ForwardProcessStrategy("nft", c.Nft),
            (c, pipeline, strategy, engine) =>
                PolicyUpdates.ForwardProcess(c, c.Nft, new NftLoss(c.Nft, c.Advantage.AdvantageClip), pipeline, strategy, engine),
            c => ForwardProcessProblems(c, c.Nft.Problems()), ReadsRolloutLogProbs: false),
        new("awm", c => new ForwardProcessStrategy("awm", c.Awm),
            (c, pipeline, strategy, engine) =>
                PolicyUpdates.ForwardProcess(c, c.Awm, new AwmLoss(c.Awm, c.Advantage.AdvantageClip), pipeline, strategy, engine),
            c => ForwardProcessProblems(c, c.Awm.Problems()), ReadsRolloutLogProbs: false),
    ];

    /// <summary>The names a config may give, in the order above.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(e => e.Name)];

    /// <summary>The entry of <paramref name="name"/>; an unknown name is an error listing the known ones.</summary>
    public static StrategyEntry Find(string name) => All.FirstOrDefault(e => e.Name == name)
        ?? throw new ArgumentException($"unknown strategy '{name}' (expected {string.Join(", ", Names)})", nameof(name));

    public static IRolloutStrategy Create(GrpoTrainConfig config) => Find(config.Strategy).Create(config);

    /// <summary>
    /// Why <paramref name="config"/>'s guidance interval cannot be used, or null: a rollout guided only above
    /// rollout.guidance_until is another policy than the one a log-probability is read back from, so only the
    /// strategies whose loss reads none may take one. Checked when a config loads, when a run is built and by
    /// `arbor tree`, so the picture never shows a rollout training would refuse.
    /// </summary>
    public static string? GuidanceIntervalProblem(GrpoTrainConfig config) =>
        config.Rollout.GuidanceUntil > 0 && All.FirstOrDefault(e => e.Name == config.Strategy) is { ReadsRolloutLogProbs: true }
            ? $"rollout.guidance_until ({config.Rollout.GuidanceUntil}) is for forward-process strategies (nft, awm): " +
              $"{config.Strategy} reads the rollout's log-probabilities back, which a guidance interval would not match"
            : null;

    private static IEnumerable<string> ForwardProcessProblems(GrpoTrainConfig c, IEnumerable<string> section)
    {
        foreach (var p in section) yield return p;
        if (!c.Lora.Enabled)
            yield return $"{c.Strategy} keeps its old policy as a second copy of the LoRA weights: lora.enabled must be true";
    }
}

/// <summary>Each strategy's config section (the YAML key is the property's snake_case name; <see cref="StrategyRegistry"/>).</summary>
public sealed partial record GrpoTrainConfig
{
    public FlowGrpoConfig FlowGrpo { get; init; } = new();
    public DanceGrpoConfig DanceGrpo { get; init; } = new();
    public MixGrpoConfig MixGrpo { get; init; } = new();
    public TreeGrpoConfig TreeGrpo { get; init; } = new();
    public BranchGrpoConfig BranchGrpo { get; init; } = new();
    public DynamicTreeConfig DynamicTree { get; init; } = new();
    /// <summary>DiffusionNFT (ALGORITHMS.md §5.7): a forward-process loss on the leaves' clean images.</summary>
    public NftConfig Nft { get; init; } = new();
    /// <summary>Advantage Weighted Matching (ALGORITHMS.md §5.7): the matching loss as a clipped surrogate log-likelihood.</summary>
    public AwmConfig Awm { get; init; } = new();
}
