using System.Text.Json.Serialization;

namespace Arbor.Runs.Metrics;

/// <summary>
/// An RL run's metrics line for one iteration (kind "train", positioned by iteration), with the same meaning for every
/// strategy (ALGORITHMS.md §7). Keys that later versions added read with their stated defaults from older logs.
/// </summary>
public sealed record TrainIterationRecord
{
    [JsonPropertyName("kind")] public string Kind => MetricsLineHead.Train;

    /// <summary>Iterations done, this one included (1-based).</summary>
    [JsonPropertyName("iteration")] public long Iteration { get; init; }

    /// <summary>Mean and standard deviation of the total reward over the iteration's images.</summary>
    [JsonPropertyName("reward_mean")] public double RewardMean { get; init; }

    [JsonPropertyName("reward_std")] public double RewardStd { get; init; }

    /// <summary>Mean of each reward component ("shapes", "shapes.strict", ...).</summary>
    [JsonPropertyName("components")]
    public IReadOnlyDictionary<string, double> Components { get; init; } = new Dictionary<string, double>();

    /// <summary>Mean reward of each task family's prompts (empty in logs from before per-family trends).</summary>
    [JsonPropertyName("family_rewards")]
    public IReadOnlyDictionary<string, double> FamilyRewards { get; init; } = new Dictionary<string, double>();

    /// <summary>Share of groups whose rewards were all equal (no advantage, no signal).</summary>
    [JsonPropertyName("zero_variance_share")] public double ZeroVarianceShare { get; init; }

    /// <summary>The policy loss (NaN when the update was skipped).</summary>
    [JsonPropertyName("loss")] public double Loss { get; init; }

    [JsonPropertyName("approx_kl")] public double ApproxKl { get; init; }

    /// <summary>KL to the reference policy.</summary>
    [JsonPropertyName("kl")] public double Kl { get; init; }

    [JsonPropertyName("clip_fraction")] public double ClipFraction { get; init; }

    /// <summary>Mean and standard deviation of the importance ratio π_θ / π_old over trained edges.</summary>
    [JsonPropertyName("ratio_mean")] public double RatioMean { get; init; }

    [JsonPropertyName("ratio_std")] public double RatioStd { get; init; }

    [JsonPropertyName("grad_norm")] public double GradNorm { get; init; }

    /// <summary>The signal meter, corr(advantage, Δ log-prob) on edges the
    /// first step did not see (NaN: not measured, or an older log).</summary>
    [JsonPropertyName("signal")] public double Signal { get; init; } = double.NaN;

    /// <summary>Edges the signal was measured on.</summary>
    [JsonPropertyName("signal_edges")] public int SignalEdges { get; init; }

    /// <summary>Whether the update was skipped for a non-finite loss or gradient.</summary>
    [JsonPropertyName("skipped")] public bool Skipped { get; init; }

    /// <summary>Model forwards of the rollout (the iteration's NFE; CFG counts two).</summary>
    [JsonPropertyName("nfe")] public long Nfe { get; init; }

    /// <summary>Model forwards of the policy update.</summary>
    [JsonPropertyName("trained_forwards")] public long TrainedForwards { get; init; }

    [JsonPropertyName("trained_edges")] public int TrainedEdges { get; init; }

    /// <summary>Images generated (leaves of the rollout trees).</summary>
    [JsonPropertyName("images")] public int Images { get; init; }

    /// <summary>The iteration's seconds by phase: rollout, the wait for rewards after it, the update.</summary>
    [JsonPropertyName("seconds_rollout")] public double SecondsRollout { get; init; }

    [JsonPropertyName("seconds_reward")] public double SecondsReward { get; init; }

    [JsonPropertyName("seconds_train")] public double SecondsTrain { get; init; }

    /// <summary>Rollout, reward and update seconds of the run so far (evaluations excluded): the clock of a time budget.</summary>
    [JsonPropertyName("training_seconds")] public double TrainingSeconds { get; init; }

    /// <summary>Ranks the run trained on (1 in logs from before data-parallel training).</summary>
    [JsonPropertyName("world_size")] public int WorldSize { get; init; } = 1;

    /// <summary>Rank 0's seconds in collectives this iteration, waits for slower ranks included.</summary>
    [JsonPropertyName("seconds_communication")] public double SecondsCommunication { get; init; }

    /// <summary>Bytes rank 0 sent into collectives this iteration.</summary>
    [JsonPropertyName("bytes_communicated")] public long BytesCommunicated { get; init; }
}
