namespace Arbor.Advantages;

/// <summary>How rewards of several reward functions become one advantage (ALGORITHMS.md §4).</summary>
public enum RewardAggregation
{
    /// <summary>Sum the weighted raw rewards, then normalize once.</summary>
    Reward,
    /// <summary>Standardize each reward within its group, then sum the weighted z-scores (TreeGRPO/MixGRPO default).</summary>
    Advantage,
}

/// <summary>Group-relative advantage settings (ALGORITHMS.md §4; Flow-GRPO defaults).</summary>
public sealed record AdvantageConfig
{
    /// <summary>Divide by the std of the whole batch (true, default) or of each prompt's group (false).</summary>
    public bool GlobalStd { get; init; } = true;
    /// <summary>Added to the std before dividing.</summary>
    public double Epsilon { get; init; } = 1e-4;
    /// <summary>Advantages are clipped to [−AdvantageClip, AdvantageClip] (A_max = 5).</summary>
    public double AdvantageClip { get; init; } = 5.0;
    /// <summary>Groups whose rewards are all equal carry no signal: drop them (and count them).</summary>
    public bool DropZeroVariance { get; init; } = true;
    /// <summary>
    /// Advantage given to every image of a solved group (default 0: solved groups are zero-variance groups and are dropped,
    /// as GRPO drops them). A group is solved when every reward of every image equals that reward's best value in the
    /// iteration (for the shapes rewards: all images pass). Arbor's, not a paper's (issue #15): where the policy already
    /// does what a prompt asks, the group-relative advantage is silent and nothing holds that behaviour while the updates
    /// for other prompts move the shared weights; a positive advantage there keeps it, as an anchor that comes from the
    /// reward rather than from a reference model. Not clipped beyond <see cref="AdvantageClip"/>. Measured on nft at +1
    /// (docs/BENCHMARKS.md, "Solved groups kept at advantage +1"): it stopped the learning (−9.1 points in_distribution
    /// against nft at 120 iterations) and took counting and colors down: a net pull toward the policy's own images.
    /// </summary>
    public double SolvedGroupAdvantage { get; init; }
    public RewardAggregation Aggregation { get; init; } = RewardAggregation.Reward;
    /// <summary>
    /// Tree strategies: how a node's value is formed from its children's, <c>softmax</c> of log π_old (default, TreeGRPO's
    /// paper) or <c>mean</c> (TreeGRPO's public code).
    /// </summary>
    public BackupWeights Backup { get; init; } = BackupWeights.Softmax;
    /// <summary>
    /// Tree strategies: <c>none</c> (default, the papers': an edge gets its child's value) or <c>parent</c> (an edge gets
    /// V(child) − V(parent), the per-parent baseline of ALGORITHMS.md §7).
    /// </summary>
    public EdgeBaseline EdgeBaseline { get; init; } = EdgeBaseline.None;
    /// <summary>
    /// A null control for experiments (default false): permute the rewards among the images of each prompt before
    /// the advantages are computed (<see cref="RewardShuffle"/>). The update keeps every statistic of a real one
    /// (group means and spreads, zero-variance groups, advantage scale) but carries no information about which
    /// image was better; a method that does no better than this control learns nothing from its reward.
    /// </summary>
    public bool ShuffleRewards { get; init; }
}
