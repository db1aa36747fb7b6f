using Arbor.Advantages;
using Arbor.Configuration;
using Arbor.Distributed;
using Arbor.Rollouts;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;
using Arbor.Worlds;

namespace Arbor.Training;

/// <summary>The probe's design: prompt sets × rollouts × re-noisings (each at least 2), and the weights it measures at.</summary>
/// <param name="PromptSets">Iterations' prompt sets (set s: the prompts a run trains on at iteration s).</param>
/// <param name="Rollouts">Rollouts of each set's prompts, each with its own initial noise.</param>
/// <param name="Renoisings">Draws of the loss's times and noise on each rollout's images.</param>
/// <param name="Lora">A trained adapter to measure at (a run's final/lora.safetensors), or null for the base.</param>
public sealed record GradientNoiseDesign(int PromptSets = 4, int Rollouts = 3, int Renoisings = 3, string? Lora = null);

/// <summary>One view of the gradient (all of it, or the samples at one time) under the rewards and under the null.</summary>
/// <param name="Time">The samples' time, or null for the whole gradient.</param>
public sealed record GradientNoiseView(double? Time, GradientNoiseComponents Rewarded, GradientNoiseComponents Shuffled,
    GradientNoiseComponents RewardedAdamScaled, GradientNoiseComponents ShuffledAdamScaled);

/// <summary>What the probe measured: the whole gradient's view first, then one per trained time.</summary>
public sealed record GradientNoiseResult(IReadOnlyList<GradientNoiseView> Views, long Parameters, double Seconds);

/// <summary>
/// Where a forward-process method's gradient noise comes from (issue #15; ALGORITHMS.md §7 measured it for the policy
/// gradient): one iteration's gradient, at fixed weights, over a nested design of prompt sets × rollouts × re-noisings
/// (<see cref="GradientNoise"/>), under the run's rewards and under its null control (the same images and noisings,
/// advantages permuted within each prompt's group). Every measurement is the real iteration (<see cref="GrpoIteration"/>:
/// the old policy's rollout, the rewards, the scoring path) and the real loss (<see cref="ForwardProcessTrainer"/>'s plan),
/// its gradient read instead of stepped; the weights never change. Each view is also measured as Adam sees it
/// (<see cref="GradientNoise.AdamScale"/>), and per trained time, where the times' gradients sum to the whole.
/// </summary>
public static class GradientNoiseProbe
{
    public static GradientNoiseResult Run(GrpoTrainConfig config, GradientNoiseDesign design, Action<string>? progress = null)
    {
        if (design.PromptSets < 2 || design.Rollouts < 2 || design.Renoisings < 2)
        {
            throw new ArgumentException("the gradient-noise probe needs at least 2 prompt sets, 2 rollouts and 2 re-noisings " +
                $"(got {design.PromptSets}, {design.Rollouts}, {design.Renoisings})");
        }
        if (design.Lora is { } lora && !File.Exists(lora)) throw new FileNotFoundException($"no LoRA file '{lora}'", lora);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var policy = GrpoTrainer.LoadPolicy(config);
        // the adapter before the method: the old policy starts as a copy of the weights it finds
        if (design.Lora is { } path) LoraFile.Load(policy.Model, path);
        var strategy = StrategyRegistry.Create(config);
        var engine = new RolloutEngine(policy.Pipeline, config.Rollout);
        var update = PolicyUpdates.Create(config, policy.Pipeline, strategy, engine);
        var rewards = new List<(Rewards.IRewardFunction Reward, double Weight)>();
        try
        {
            if (update is not ForwardProcessTrainer trainer)
            {
                throw new ConfigException($"the gradient-noise probe measures a forward-process loss (strategy nft or awm); " +
                    $"'{config.Strategy}' trains by the policy gradient");
            }
            if (trainer.JittersTimes)
                throw new ConfigException("the gradient-noise probe splits the gradient by time: turn jitter_times off");
            engine.FoldAdapters = true;
            rewards.AddRange(GrpoTrainer.BuildRewards(config));
            var recorder = new Recorder(trainer, [.. policy.Model.Parameters(trainableOnly: true)], design, config.Seed);
            var iteration = new GrpoIteration(policy.Pipeline, strategy, engine, rewards, config.Advantage, recorder, policy.Optimizer);
            using var precision = ComputePrecision.Use(config.Train.Precision);
            var world = BuiltInWorlds.ForRl(config.World, config.Split, config.Train.FamilyWeights, config.Model);
            int perSet = config.Train.PromptsPerIteration;
            for (int s = 0; s < design.PromptSets; s++)
            {
                var prompts = Enumerable.Range(0, perSet).Select(j => world.Prompts.At((long)s * perSet + j).Text).ToList();
                for (int r = 0; r < design.Rollouts; r++)
                {
                    var noise = Enumerable.Range(0, perSet)
                        .Select(j => new Generator(SeedHash.Of(config.Seed, (ulong)s, 12, (ulong)r, (ulong)j))).ToList();
                    try
                    {
                        recorder.Cell = (s, r);
                        iteration.Run(s, prompts, noise, new Random((int)(SeedHash.Of(config.Seed, (ulong)s, 2) & 0x7fffffff)), 0);
                    }
                    finally { noise.ForEach(g => g.Dispose()); }
                    progress?.Invoke($"prompt set {s + 1}/{design.PromptSets}, rollout {r + 1}/{design.Rollouts}: " +
                        $"{clock.Elapsed.TotalSeconds:F0} s");
                }
            }
            return new GradientNoiseResult(recorder.Views(), recorder.Dimension, clock.Elapsed.TotalSeconds);
        }
        finally
        {
            GrpoTrainer.Release(update, rewards);
        }
    }

    /// <summary>
    /// The probe's policy update: for each re-noising, the plan of the rewarded and of the shuffled advantages on the same
    /// images, times and noise, each time's gradient read into a vector. It never steps, and the old policy never moves.
    /// </summary>
    private sealed class Recorder(ForwardProcessTrainer trainer, List<Tensor> parameters, GradientNoiseDesign design, ulong seed)
        : IPolicyUpdate
    {
        private readonly IReadOnlyList<double> _times = trainer.TrainedTimes;

        // [rewarded 0 | shuffled 1][view: 0 all, 1 + time index][set][rollout][re-noising]
        private readonly float[][][][][][] _g = [.. Enumerable.Range(0, 2).Select(_ =>
            Enumerable.Range(0, trainer.TrainedTimes.Count + 1).Select(_ =>
                Enumerable.Range(0, design.PromptSets).Select(_ =>
                    Enumerable.Range(0, design.Rollouts).Select(_ => new float[design.Renoisings][]).ToArray()).ToArray()).ToArray())];

        public (int Set, int Rollout) Cell { get; set; }

        public long Dimension => parameters.Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));

        public IDisposable RolloutPolicy() => trainer.RolloutPolicy();

        public bool UsesRolloutLogProbs => false;

        public PolicyUpdateStats Update(long iteration, RolloutForest forest, AdvantageResult advantages,
            PromptConditioning conditioning, Optimizer optimizer, DataParallel? parallel = null)
        {
            var (s, r) = Cell;
            var groupOf = forest.Leaves.Select(l => l.Prompt).ToList();
            var source = RewardShuffle.WithinGroups(groupOf, new Random((int)(SeedHash.Of(seed, (ulong)s, 13, (ulong)r) & 0x7fffffff)));
            var shuffled = advantages with { Values = [.. source.Select(i => advantages.Values[i])] };
            for (int k = 0; k < design.Renoisings; k++)
            {
                // a plan's draws (times, noise) are keyed by its iteration: one key per cell and re-noising, shared by both
                long key = 1_000_000 + (((long)s * design.Rollouts) + r) * design.Renoisings + k;
                foreach (var (which, values) in new[] { (0, advantages), (1, shuffled) })
                {
                    var plan = trainer.Plan(key, forest, values, conditioning);
                    var total = new float[Dimension];
                    for (int t = 0; t < _times.Count; t++)
                    {
                        optimizer.ZeroGrad();
                        if (plan.Samples > 0) plan.BackwardAt(_times[t]);
                        var g = Gradient();
                        for (int j = 0; j < g.Length; j++) total[j] += g[j];
                        _g[which][1 + t][s][r][k] = g;
                    }
                    _g[which][0][s][r][k] = total;
                }
            }
            optimizer.ZeroGrad();
            return new PolicyUpdateStats(0, 0, 0, 1, 0, 0, 0, 0, 0, 0);
        }

        /// <summary>The trainable parameters' gradients, concatenated (zero where a parameter has none).</summary>
        private float[] Gradient()
        {
            var all = new float[Dimension];
            long offset = 0;
            foreach (var p in parameters)
            {
                long n = p.Shape.Aggregate(1L, (a, b) => a * b);
                using var grad = p.Grad;
                if (grad is not null) grad.ToFloatArray().CopyTo(all, offset);
                offset += n;
            }
            return all;
        }

        /// <summary>
        /// The decompositions, Adam-scaled by the whole gradient's second moments (the rewarded run's for its views, the
        /// null's for its own), as one optimizer on either run would scale every time's share.
        /// </summary>
        public List<GradientNoiseView> Views()
        {
            var scales = Enumerable.Range(0, 2)
                .Select(w => GradientNoise.AdamScale([.. _g[w][0].SelectMany(set => set.SelectMany(rollout => rollout))])).ToArray();
            return [.. Enumerable.Range(0, _times.Count + 1).Select(v =>
            {
                var rewarded = Nested(_g[0][v]);
                var shuffled = Nested(_g[1][v]);
                return new GradientNoiseView(v == 0 ? null : _times[v - 1], GradientNoise.Decompose(rewarded),
                    GradientNoise.Decompose(shuffled), GradientNoise.Decompose(GradientNoise.Scaled(rewarded, scales[0])),
                    GradientNoise.Decompose(GradientNoise.Scaled(shuffled, scales[1])));
            })];
        }

        private static IReadOnlyList<IReadOnlyList<IReadOnlyList<float[]>>> Nested(float[][][][] g) =>
            [.. g.Select(set => (IReadOnlyList<IReadOnlyList<float[]>>)[.. set.Select(rollout => (IReadOnlyList<float[]>)rollout)])];
    }
}
