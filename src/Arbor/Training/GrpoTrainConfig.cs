using Arbor.Advantages;
using Arbor.Configuration;
using Arbor.Evaluation;
using Arbor.Rewards;
using Arbor.Rollouts;
using Arbor.Shapes;
using Arbor.Tensors;
using Arbor.Tensors.Optim;
using Arbor.Worlds;

namespace Arbor.Training;

/// <summary>
/// `arbor train` settings (configs/&lt;strategy&gt;.yaml). Defaults follow ALGORITHMS.md; each section
/// documents its own keys. The strategies' sections are declared beside their registry entries (StrategyRegistry.cs).
/// </summary>
public sealed partial record GrpoTrainConfig : IValidatedConfig
{
    /// <summary>Seed of prompts, noise and every random choice (each iteration derives its own from it).</summary>
    public ulong Seed { get; init; }
    /// <summary>The pretrained model directory (default: the shipped base).</summary>
    public string Model { get; init; } = "models/shapes-base";
    /// <summary>
    /// flow_grpo, dance_grpo, mix_grpo, tree_grpo, branch_grpo, dynamic_tree, nft or awm (<see cref="StrategyRegistry"/>); each
    /// reads its own section.
    /// </summary>
    public string Strategy { get; init; } = "flow_grpo";
    public RolloutConfig Rollout { get; init; } = new();
    public LoraConfig Lora { get; init; } = new();
    public RewardConfig Reward { get; init; } = new();
    public AdvantageConfig Advantage { get; init; } = new();
    public PolicyLossConfig Loss { get; init; } = new();
    public OptimConfig Optim { get; init; } = new();
    /// <summary>Pretraining-data replay beside the RL loss (<see cref="ReplayConfig"/>; off by default).</summary>
    public ReplayConfig Replay { get; init; } = new();
    public GrpoScheduleConfig Train { get; init; } = new();
    public EvalConfig Eval { get; init; } = new();
    /// <summary>
    /// The world the prompts and the held-out evaluation come from (<see cref="BuiltInWorlds"/>), as pretraining's
    /// data.world: default "shapes", the only world that ships.
    /// </summary>
    public string World { get; init; } = "shapes";
    /// <summary>The Shapes split the prompts come from (must be the base's pretraining split).</summary>
    public ShapesSplitConfig Split { get; init; } = new();

    public IEnumerable<string> Problems()
    {
        if (!StrategyRegistry.Names.Contains(Strategy))
            yield return $"strategy '{Strategy}' is unknown (expected {string.Join(", ", StrategyRegistry.Names)})";
        if (!BuiltInWorlds.Names.Contains(World))
            yield return $"world '{World}' is unknown (expected {string.Join(", ", BuiltInWorlds.Names)})";
        if (Train.Iterations < 1) yield return "train.iterations must be >= 1";
        if (Train.PromptsPerIteration < 1) yield return "train.prompts_per_iteration must be >= 1";
        foreach (var p in RlPromptCycle.Problems(Train.FamilyWeights)) yield return p;
        if (Train.CheckpointEvery < 1) yield return "train.checkpoint_every must be >= 1";
        if (Train.BestWindow < 1) yield return $"train.best_window must be >= 1 (got {Train.BestWindow})";
        if (Train.EmaDecay is < 0 or >= 1) yield return "train.ema_decay must be in [0, 1)";
        if (Train.TimeBudgetMinutes < 0) yield return "train.time_budget_minutes must be >= 0";
        if (!(Rollout.GuidanceUntil >= 0 && Rollout.GuidanceUntil < 1))
            yield return $"rollout.guidance_until must be in [0, 1) (got {Rollout.GuidanceUntil})";
        if (Lora.Enabled && Lora.Rank < 1) yield return "lora.rank must be >= 1";
        // α scales every adapter's output (α / rank): 0 trains adapters that never change the model, < 0 flips them
        if (Lora.Enabled && Lora.Alpha <= 0) yield return $"lora.alpha must be > 0 (got {Lora.Alpha})";
        // 0 would stop every run after its first iteration, finite or not
        if (Train.MaxBadIterations < 1) yield return $"train.max_bad_iterations must be >= 1 (got {Train.MaxBadIterations})";
        // it bounds |A|: 0 zeroes every advantage, and a negative bound fails later inside Math.Clamp
        if (Advantage.AdvantageClip <= 0) yield return $"advantage.advantage_clip must be > 0 (got {Advantage.AdvantageClip})";
        if (!(Advantage.SolvedGroupAdvantage >= 0))
            yield return $"advantage.solved_group_advantage must be >= 0 (got {Advantage.SolvedGroupAdvantage})";
        if (Advantage.Epsilon < 0) yield return $"advantage.epsilon must be >= 0 (got {Advantage.Epsilon})";
        foreach (var p in Reward.Remote.Problems()) yield return "reward.remote." + p;
        if (Optim.LearningRate <= 0) yield return "optim.learning_rate must be > 0";
        if (Reward.Names.Count == 0) yield return "reward.names must name at least one reward";
        if (Reward.Weights.Count != 0 && Reward.Weights.Count != Reward.Names.Count)
            yield return "reward.weights must have one weight per name";
        foreach (var n in Reward.Names)
        {
            if (n != "remote" && !BuiltInRewards.Names.Contains(n))
                yield return $"reward.names: '{n}' is unknown (expected {string.Join(", ", BuiltInRewards.Names)} or remote)";
        }
        if (Loss.ClipRange <= 0) yield return "loss.clip_range must be > 0";
        if (Rollout.Waves < 1) yield return "rollout.waves must be >= 1";
        if (Advantage.EdgeBaseline == EdgeBaseline.Parent && Strategy is not ("tree_grpo" or "dynamic_tree"))
            yield return $"advantage.edge_baseline parent needs a tree backup (tree_grpo or dynamic_tree), not {Strategy}";
        if (StrategyRegistry.All.FirstOrDefault(e => e.Name == Strategy)?.Problems is { } strategyProblems)
            foreach (var p in strategyProblems(this)) yield return p;
        if (StrategyRegistry.GuidanceIntervalProblem(this) is { } interval) yield return interval;
        if (DynamicTree.LastWindowStart is { } last && (last < 0 || last > DynamicTree.Steps - DynamicTree.Depth - 1))
        {
            yield return $"dynamic_tree.last_window_start {last} is outside the schedule (expected 0 to steps - depth - 1 = " +
                $"{DynamicTree.Steps - DynamicTree.Depth - 1}: the last step is never trained)";
        }
        if (TreeGrpo.Steps - TreeGrpo.Depth - 1 < 0)
            yield return $"tree_grpo.depth {TreeGrpo.Depth} leaves no window in {TreeGrpo.Steps} steps that keeps the last step untrained";
        if (DynamicTree.LayerTuningWeight < 0) yield return "dynamic_tree.layer_tuning_weight must be >= 0";
        if (DynamicTree.LayerTuningLossSpace != Strategies.NftLossSpace.X0
            && DynamicTree.LayerTuningForm != Strategies.DynamicTree.LayerTuningForm.LeafNft)
        {
            yield return "dynamic_tree.layer_tuning_loss_space applies to layer_tuning_form leaf_nft only";
        }
        foreach (var p in SectionRanges()) yield return p;
        foreach (var p in Eval.Problems()) yield return "eval." + p;
        foreach (var p in Replay.Problems()) yield return p;
        if (Replay.Weight > 0 && Replay.Target == ReplayTarget.Base && !Lora.Enabled)
            yield return "replay.target base needs lora.enabled: the base is the model with its LoRA switched off";
    }

    /// <summary>The counts and levels of every strategy section: a group needs two images, a schedule two steps.</summary>
    private IEnumerable<string> SectionRanges()
    {
        (string Key, int Steps, int Group)[] flat =
            [("flow_grpo", FlowGrpo.Steps, FlowGrpo.GroupSize), ("dance_grpo", DanceGrpo.Steps, DanceGrpo.GroupSize),
                ("mix_grpo", MixGrpo.Steps, MixGrpo.GroupSize)];
        foreach (var (key, steps, group) in flat)
        {
            if (steps < 2) yield return $"{key}.steps must be >= 2 (got {steps})";
            if (group < 2) yield return $"{key}.group_size must be >= 2: a group needs a spread (got {group})";
        }
        if (FlowGrpo.TrainFraction is <= 0 or > 1)
            yield return $"flow_grpo.train_fraction must be in (0, 1] (got {FlowGrpo.TrainFraction})";
        if (DanceGrpo.TimestepFraction is <= 0 or > 1)
            yield return $"dance_grpo.timestep_fraction must be in (0, 1] (got {DanceGrpo.TimestepFraction})";
        if (MixGrpo.Window < 1 || MixGrpo.Window >= MixGrpo.Steps)
            yield return $"mix_grpo.window must be in [1, steps) (got {MixGrpo.Window})";
        if (FlowGrpo.NoiseLevel <= 0 || MixGrpo.NoiseLevel <= 0 || DanceGrpo.Eta <= 0 || TreeGrpo.NoiseLevel <= 0
            || BranchGrpo.NoiseLevel <= 0 || DynamicTree.NoiseLevel <= 0)
        {
            yield return "every SDE noise level (noise_level, dance_grpo.eta) must be > 0";
        }
        if (TreeGrpo.NumTrees < 1 || TreeGrpo.Branching < 1 || TreeGrpo.Depth < 1)
            yield return "tree_grpo.num_trees, branching and depth must be >= 1";
        if (DynamicTree.NumTrees < 1 || DynamicTree.Branching < 2 || DynamicTree.Depth < 1)
            yield return "dynamic_tree.num_trees and depth must be >= 1, branching >= 2";
        if (BranchGrpo.Branching < 2) yield return "branch_grpo.branching must be >= 2";
        if (BranchGrpo.SplitSteps.Any(k => k < 0 || k >= BranchGrpo.Steps))
            yield return $"branch_grpo.split_steps must lie in [0, steps = {BranchGrpo.Steps})";
        if (Loss.UpdatesPerIteration < 1) yield return "loss.updates_per_iteration must be >= 1";
        if (Loss.MaxBatch < 1) yield return "loss.max_batch must be >= 1";
        if (Rollout.MaxBatch < 1) yield return "rollout.max_batch must be >= 1";
        if (Optim.WeightDecay < 0) yield return "optim.weight_decay must be >= 0";
        if (!(Optim.MinLearningRate >= 0 && Optim.MinLearningRate <= Optim.LearningRate))
            yield return $"optim.min_learning_rate must be in [0, learning_rate] (got {Optim.MinLearningRate})";
        if (Optim.DecayIterations < 0) yield return $"optim.decay_iterations must be >= 0 (got {Optim.DecayIterations})";
    }
}

/// <summary>Low-rank adaptation of the DiT (ALGORITHMS.md §3: lr 3e-4 with LoRA).</summary>
public sealed record LoraConfig
{
    /// <summary>Train LoRA adapters (true) or the full DiT (false). The text encoder is always frozen.</summary>
    public bool Enabled { get; init; } = true;
    public int Rank { get; init; } = 16;
    public double Alpha { get; init; } = 32;
    /// <summary>Regular expression over Linear layer names to adapt (default: attention and MLP of every block).</summary>
    public string Pattern { get; init; } = @"^blocks\.\d+\.(attn\.(q|kv|out)|cross\.(q|kv|out)|fc1|fc2)$";
}

/// <summary>Which rewards, and how they combine (ALGORITHMS.md §4).</summary>
public sealed record RewardConfig
{
    /// <summary>Reward names: shapes (partial credit), shapes_strict (GenEval pass,
    /// 1 or 0), jpeg_compressibility, jpeg_incompressibility, remote.</summary>
    public List<string> Names { get; init; } = ["shapes"];
    /// <summary>One weight per reward (default all 1).</summary>
    public List<double> Weights { get; init; } = [];
    /// <summary>The server for "remote".</summary>
    public RemoteRewardConfig Remote { get; init; } = new();
}

/// <summary>AdamW for the policy (ALGORITHMS.md §3).</summary>
public sealed record OptimConfig
{
    /// <summary>3e-4 for LoRA, 1e-5 for full fine-tuning.</summary>
    public double LearningRate { get; init; } = 3e-4;
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>constant (default, as the anchors' RL scripts) or cosine (<see cref="LearningRateDecay"/>).</summary>
    public LearningRateDecay Decay { get; init; } = LearningRateDecay.Constant;
    /// <summary>Where the cosine ends (default 0), held there after its last iteration.</summary>
    public double MinLearningRate { get; init; }
    /// <summary>
    /// The iteration where the cosine reaches min_learning_rate (default 0: train.iterations). A run bounded by a time
    /// budget (`--minutes`, train.time_budget_minutes) has no last iteration to anneal toward, and a schedule read from
    /// the clock would make a seeded run depend on the machine's speed: this names the horizon in iterations instead,
    /// so the run stays reproducible bit for bit (e.g. 400, what a bf16 CPU runs of nft in 30 minutes).
    /// </summary>
    public long DecayIterations { get; init; }

    /// <summary>The learning rate of iteration <paramref name="iteration"/> of a run of <paramref name="iterations"/>.</summary>
    public double LearningRateAt(long iteration, long iterations) => Decay == LearningRateDecay.Cosine
        ? new WarmupCosineLr(LearningRate, 0, DecayIterations > 0 ? DecayIterations : iterations, MinLearningRate).At(iteration)
        : LearningRate;
}

/// <summary>The run's length and bookkeeping.</summary>
public sealed record GrpoScheduleConfig
{
    public int Iterations { get; init; } = 100;
    /// <summary>Prompts per iteration, drawn from the RL prompts of every family in turn.</summary>
    public int PromptsPerIteration { get; init; } = 4;
    /// <summary>
    /// How often each family's prompts come up relative to the others (integers; a family left out counts 1, 0 drops
    /// it). Default: every family equally, as GenEval's training prompts mix them. A family the base already passes
    /// gives groups without a reward spread, which teach nothing and cost their rollouts (<see cref="RlPromptCycle"/>).
    /// </summary>
    public Dictionary<string, int> FamilyWeights { get; init; } = [];
    public int CheckpointEvery { get; init; } = 5;
    /// <summary>Consecutive iterations with a non-finite loss or gradient before the run stops.</summary>
    public int MaxBadIterations { get; init; } = 3;
    /// <summary>
    /// Keep the run's best weights in best/ beside final/ (default off: final/ alone, as every anchor's scripts): at each
    /// checkpoint (every <see cref="CheckpointEvery"/> iterations, and the last), the mean training reward over the last
    /// <see cref="BestWindow"/> iterations is compared with the best so far, and the weights (the EMA when the run keeps
    /// one) are written to best/ when it is higher, with best.json naming the iteration and the score
    /// (<see cref="BestWeights"/>: why the training reward, and what the choice does not measure).
    /// </summary>
    public bool KeepBest { get; init; }
    /// <summary>Iterations whose mean training reward scores the weights for <see cref="KeepBest"/> (default 20: about 1,900
    /// rewards at the shipped configs' 96 images per iteration, the score's standard error about a point of strict accuracy).</summary>
    public int BestWindow { get; init; } = 20;
    /// <summary>
    /// EMA decay of the trained weights, updated once per iteration; evaluations and final/ use the EMA.
    /// 0 = off (evaluate the live policy). Flow-GRPO's scripts average with 0.9 every 8 optimizer steps.
    /// </summary>
    public double EmaDecay { get; init; }
    /// <summary>
    /// Wall-clock budget of rollout + reward + training, in minutes (evaluations do not count; a resumed run
    /// counts its earlier time). The iteration that crosses it is the last one. 0 = only `iterations` bounds the run.
    /// </summary>
    public double TimeBudgetMinutes { get; init; }
    /// <summary>
    /// The element type of the matrix products of rollouts and training (<see cref="Tensors.ComputePrecision"/>): fp32
    /// (default), or bf16 (inputs and weights cast for each product, float32 accumulation; weights, optimizer state,
    /// norms, softmax, the SDE step, log-probabilities and losses stay float32). The rollout and the training
    /// recomputation run the same bf16 products on the same batches, so ρ = 1 still holds exactly at an iteration's
    /// first update. Evaluations run in eval.precision (fp32 by default) whatever a run trains in, so before and after stay paired.
    /// bf16 pays only on CPUs with bf16 matrix units (AMX, avx512_bf16) and is many times slower elsewhere: `arbor bench
    /// precision` measures both here. auto = bf16 where the CPU has those units, fp32 elsewhere (the same choice on the
    /// same machine, so a seeded run still repeats bit for bit there).
    /// </summary>
    public Precision Precision { get; init; } = Precision.Fp32;
}
