using Arbor.Evaluation;
using Arbor.Models;
using Arbor.Pipelines;
using Arbor.Shapes;
using Arbor.Tensors;
using Arbor.TestKit;
using Arbor.Text;
using Arbor.Training;
using Arbor.Worlds;

namespace Arbor.Tests.Training;

public class GrpoTrainerTests : IDisposable
{
    private readonly TempDirectory _temp = new("arbor-grpo-");
    public void Dispose() => _temp.Dispose();

    private string SaveTinyBase() => SaveTinyBaseInto(_temp.Path);

    /// <summary>A tiny 16x16 base of <paramref name="kind"/> over the Shapes vocabulary, saved as a model directory.</summary>
    internal static string SaveTinyBaseInto(string root, ModelKind kind = ModelKind.Flow)
    {
        var dir = Path.Combine(root, kind == ModelKind.Flow ? "base" : "base-eps");
        var tokenizer = new WordTokenizer(ShapesVocabulary.Words);
        using var gen = new Generator(21);
        var cfg = new DiTConfig
        {
            Kind = kind,
            ImageSize = 16,
            PatchSize = 4,
            Dim = 32,
            Depth = 1,
            Heads = 2,
            MlpRatio = 2,
            Text = new TextEncoderConfig { MaxTokens = 16, Dim = 16, Depth = 1, Heads = 2 }
        };
        using var pipeline = TextToImagePipeline.Create(cfg, tokenizer, gen);
        using (var scope = Torch.NewScope())
        using (Torch.NoGrad())
        {
            foreach (var (name, p) in pipeline.Model.NamedParameters())
                if (name.Contains("adaLN") || name.StartsWith("final")) p.CopyFrom(Torch.RandnLike(p, gen) * 0.05);
        }
        pipeline.Save(dir);
        return dir;
    }

    internal static GrpoTrainConfig Config(string model, int iterations) => new()
    {
        Seed = 5,
        Model = model,
        Strategy = "flow_grpo",
        FlowGrpo = new Arbor.Strategies.FlowGrpoConfig { Steps = 3, GroupSize = 3 },
        Rollout = new Arbor.Rollouts.RolloutConfig { Guidance = 2.0 },
        Lora = new LoraConfig { Rank = 2, Alpha = 4 },
        Reward = new RewardConfig { Names = ["jpeg_compressibility"] },
        Optim = new OptimConfig { LearningRate = 1e-2 },
        Train = new GrpoScheduleConfig { Iterations = iterations, PromptsPerIteration = 2, CheckpointEvery = 1 },
        Eval = new EvalConfig { Every = 0, PromptsPerFamily = 1, Steps = 2, CacheBase = false },
        Split = new ShapesSplitConfig { TestPromptsPerFamily = 2, RlPromptsPerFamily = 3 },
    };

    private static string[] TrainLines(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Where(l => l.Contains("\"train\"")).Select(l =>
        {
            var e = System.Text.Json.JsonDocument.Parse(l).RootElement;
            return $"{e.GetProperty("iteration").GetInt64()} {e.GetProperty("reward_mean").GetDouble():R} " +
                $"{e.GetProperty("loss").GetDouble():R} {e.GetProperty("grad_norm").GetDouble():R}";
        }).ToArray();

    [Fact]
    public void AKilledAndResumedRunHasTheSameMetricsAsAnUninterruptedOne()
    {
        var model = SaveTinyBase();
        var whole = Path.Combine(_temp.Path, "whole");
        var killed = Path.Combine(_temp.Path, "killed");
        new GrpoTrainer(Config(model, 4), whole).Run(resume: false, cancel: TestContext.Current.CancellationToken);
        new GrpoTrainer(Config(model, 4), killed).Run(resume: false, stopAfter: 2, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(2, TrainLines(killed).Length);
        new GrpoTrainer(Config(model, 4), killed).Run(resume: true, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(TrainLines(whole), TrainLines(killed));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "final", "lora.safetensors")),
            File.ReadAllBytes(Path.Combine(killed, "final", "lora.safetensors")));
    }

    [Fact]
    public void ABf16RunRollsOutAndTrainsInBf16AndEvaluatesInFp32()
    {
        var model = SaveTinyBase();
        var config = Config(model, 2) with { Eval = Config(model, 2).Eval with { Every = 2 } };
        var fp32 = Path.Combine(_temp.Path, "fp32");
        var bf16 = Path.Combine(_temp.Path, "bf16");
        new GrpoTrainer(config, fp32).Run(resume: false, cancel: TestContext.Current.CancellationToken);
        var bf16Config = config with { Train = config.Train with { Precision = Precision.Bf16 } };
        var trainer = new GrpoTrainer(bf16Config, bf16);
        var evaluatedIn = new List<Precision>();
        trainer.Evaluated += _ => evaluatedIn.Add(ComputePrecision.Current);
        trainer.Run(resume: false, cancel: TestContext.Current.CancellationToken);

        // the rollouts' products ran in bf16: the same seeds give other images, so other rewards
        Assert.NotEqual(TrainLines(fp32)[0], TrainLines(bf16)[0]);
        // iteration 0 evaluates the base in both: bit for bit the same verdicts and scores, as fp32 computes them
        static string EvalAt0(string run) => File.ReadAllLines(Path.Combine(run, "metrics.jsonl"))
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement)
            .First(e => e.GetProperty("kind").GetString() == "eval" && e.GetProperty("iteration").GetInt64() == 0)
            .GetProperty("sets").GetRawText();
        Assert.Equal(EvalAt0(fp32), EvalAt0(bf16));
        Assert.Equal([Precision.Fp32, Precision.Fp32], evaluatedIn);
        Assert.Equal(Precision.Fp32, ComputePrecision.Current);
        Assert.Contains("precision: bf16", File.ReadAllText(Path.Combine(bf16, "config.yaml")));
    }

    /// <summary>Every line's kind and position, in order: what a resumed run's log must share with an uninterrupted one's.</summary>
    private static string[] LineKinds(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l =>
        {
            var e = System.Text.Json.JsonDocument.Parse(l).RootElement;
            return $"{e.GetProperty("kind").GetString()} {e.GetProperty("iteration").GetInt64()}";
        }).ToArray();

    [Fact]
    public void AResumeAfterAKillBetweenCheckpointsLeavesNoIterationTwiceInTheLog()
    {
        var model = SaveTinyBase();
        var config = Config(model, 4) with
        {
            Train = Config(model, 4).Train with { CheckpointEvery = 2 },
            Eval = Config(model, 4).Eval with { Every = 2 }
        };
        var whole = Path.Combine(_temp.Path, "whole");
        var killed = Path.Combine(_temp.Path, "killed");
        new GrpoTrainer(config, whole).Run(resume: false, cancel: TestContext.Current.CancellationToken);

        // --stop-after 3 checkpoints at 3 although checkpoint_every is 2 (issue #21, item 5)
        new GrpoTrainer(config, killed).Run(resume: false, stopAfter: 3, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(3, GrpoCheckpoint.ReadState(Path.Combine(killed, "checkpoint")).Iterations);
        // then a kill during iteration 4, after its line was written and while a further line was being written
        var log = Path.Combine(killed, "metrics.jsonl");
        File.AppendAllText(log, File.ReadAllLines(Path.Combine(whole, "metrics.jsonl"))
            .First(l => l.Contains("\"train\"") && l.Contains("\"iteration\":4,")) + "\n");
        File.AppendAllText(log, "{\"kind\":\"train\",\"itera");
        new GrpoTrainer(config, killed).Run(resume: true, cancel: TestContext.Current.CancellationToken);

        Assert.Equal(LineKinds(whole), LineKinds(killed));       // [eval 0, train 1, train 2, eval 2, train 3, train 4, eval 4]
        Assert.Equal(TrainLines(whole), TrainLines(killed));
        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "final", "lora.safetensors")),
            File.ReadAllBytes(Path.Combine(killed, "final", "lora.safetensors")));
    }

    [Fact]
    public void AnEvaluationLostToAKillAfterItsCheckpointIsDoneOnResume()
    {
        var model = SaveTinyBase();
        var config = Config(model, 3) with { Eval = Config(model, 3).Eval with { Every = 2 } };
        var whole = Path.Combine(_temp.Path, "whole");
        var killed = Path.Combine(_temp.Path, "killed");
        new GrpoTrainer(config, whole).Run(resume: false, cancel: TestContext.Current.CancellationToken);
        new GrpoTrainer(config, killed).Run(resume: false, stopAfter: 2, cancel: TestContext.Current.CancellationToken);
        // killed while evaluating at iteration 2: its checkpoint is written, its evaluation line is not
        var log = Path.Combine(killed, "metrics.jsonl");
        File.WriteAllLines(log, File.ReadAllLines(log).Where(l => !(l.Contains("\"eval\"") && l.Contains("\"iteration\":2,"))));
        new GrpoTrainer(config, killed).Run(resume: true, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(LineKinds(whole), LineKinds(killed));
    }

    [Fact]
    public void WithAnEmaAResumedRunContinuesExactlyAndEvaluatesAndExportsTheAverage()
    {
        var model = SaveTinyBase();
        var config = Config(model, 3) with { Train = Config(model, 3).Train with { EmaDecay = 0.5 } };
        var whole = Path.Combine(_temp.Path, "whole");
        var killed = Path.Combine(_temp.Path, "killed");
        new GrpoTrainer(config, whole).Run(resume: false, cancel: TestContext.Current.CancellationToken);
        new GrpoTrainer(config, killed).Run(resume: false, stopAfter: 1, cancel: TestContext.Current.CancellationToken);
        Assert.True(File.Exists(Path.Combine(killed, "checkpoint", GrpoCheckpoint.EmaFileName)));
        new GrpoTrainer(config, killed).Run(resume: true, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(TrainLines(whole), TrainLines(killed));
        var final = File.ReadAllBytes(Path.Combine(whole, "final", "lora.safetensors"));
        Assert.Equal(final, File.ReadAllBytes(Path.Combine(killed, "final", "lora.safetensors")));
        // final/ is the EMA, not the live weights of the last checkpoint
        Assert.NotEqual(final, File.ReadAllBytes(Path.Combine(whole, "checkpoint", "lora.safetensors")));
    }

    [Fact]
    public void ATimeBudgetEndsTheRunAfterTheIterationThatCrossesItWithAFinalEvaluation()
    {
        var model = SaveTinyBase();
        var config = Config(model, 50) with { Train = Config(model, 50).Train with { TimeBudgetMinutes = 1e-6 } };
        var run = Path.Combine(_temp.Path, "run");
        var trainer = new GrpoTrainer(config, run);
        trainer.Run(resume: false, cancel: TestContext.Current.CancellationToken);
        Assert.Single(TrainLines(run));
        Assert.Equal(2, trainer.Evaluations.Count);
        Assert.Equal(0, trainer.TrainingSecondsAtEvaluation[0]);
        Assert.True(trainer.TrainingSecondsAtEvaluation[1] > 0);
        Assert.True(File.Exists(Path.Combine(run, "final", "lora.safetensors")));
    }

    [Fact]
    public void MetricsCarryTheAccountingOfEveryIteration()
    {
        var model = SaveTinyBase();
        var run = Path.Combine(_temp.Path, "run");
        new GrpoTrainer(Config(model, 1), run).Run(resume: false, cancel: TestContext.Current.CancellationToken);
        var line = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).First(l => l.Contains("\"train\""));
        var e = System.Text.Json.JsonDocument.Parse(line).RootElement;
        Assert.Equal(2 * 3 * 3 * 2, e.GetProperty("nfe").GetInt64());         // prompts·G·T, CFG doubles
        Assert.Equal(2 * 3 * 2, e.GetProperty("trained_edges").GetInt32());   // all but the last step
        Assert.Equal(6, e.GetProperty("images").GetInt32());
        Assert.Equal(1.0, e.GetProperty("ratio_mean").GetDouble());
        Assert.True(File.Exists(Path.Combine(run, "samples", "eval-000000-in_distribution.png")));
        Assert.True(File.Exists(Path.Combine(run, "samples", "eval-000000-compositional.png")));
        Assert.Equal(2, e.GetProperty("family_rewards").EnumerateObject().Count());
        // the signal meter needs a second minibatch: with one it is not measured
        Assert.Equal("NaN", e.GetProperty("signal").GetString());
        Assert.Equal(0, e.GetProperty("signal_edges").GetInt32());
        var two = Path.Combine(_temp.Path, "two");
        new GrpoTrainer(Config(model, 1) with { Loss = new PolicyLossConfig { UpdatesPerIteration = 2 } }, two)
            .Run(resume: false, cancel: TestContext.Current.CancellationToken);
        var t = System.Text.Json.JsonDocument.Parse(File.ReadAllLines(Path.Combine(two, "metrics.jsonl"))
            .First(l => l.Contains("\"train\""))).RootElement;
        Assert.InRange(t.GetProperty("signal").GetDouble(), -1, 1);
        Assert.Equal(6, t.GetProperty("signal_edges").GetInt32());   // the second half of the 12 trained edges
    }

    [Fact]
    public void TheBaseEvaluationIsStoredOnceAndReusedByTheNextRunFromTheSameBase()
    {
        var model = SaveTinyBase();
        var config = Config(model, 1) with { Eval = new EvalConfig { Every = 0, PromptsPerFamily = 2, Steps = 2, CacheBase = true } };
        var first = new GrpoTrainer(config, Path.Combine(_temp.Path, "a"));
        first.Run(resume: false, cancel: TestContext.Current.CancellationToken);
        var second = new GrpoTrainer(config with { Seed = 6 }, Path.Combine(_temp.Path, "b"));
        second.Run(resume: false, cancel: TestContext.Current.CancellationToken);
        Assert.False(first.Evaluations[0].Cached);
        Assert.True(second.Evaluations[0].Cached);
        Assert.False(second.Evaluations[^1].Cached);
        foreach (var set in HeldOutSets.All)
        {
            Assert.Equal(first.Evaluations[0].Of(set)!.Outcomes, second.Evaluations[0].Of(set)!.Outcomes);
            Assert.Equal(first.Evaluations[0].Of(set)!.Failures!.Keys, second.Evaluations[0].Of(set)!.Failures!.Keys);
            // counted from the prompts on load, so a stored evaluation says what a fresh one says
            Assert.Equal(first.Evaluations[0].Of(set)!.SharedWithRl, second.Evaluations[0].Of(set)!.SharedWithRl);
        }
        Assert.True(File.Exists(Path.Combine(_temp.Path, "b", "samples", "eval-000000-compositional.png")));
        Assert.Contains("\"cached\":true",
            File.ReadAllLines(Path.Combine(_temp.Path, "b", "metrics.jsonl")).First(l => l.Contains("\"eval\"")));
        // the same weights evaluated otherwise (another seed of the evaluation noise) are another key
        var key = CachedBaseEvaluator.Key(model, config.Eval, config.Split);
        Assert.NotEqual(key, CachedBaseEvaluator.Key(model, config.Eval with { Seed = 1 }, config.Split));
        Assert.NotEqual(key, CachedBaseEvaluator.Key(model, config.Eval with { BatchSize = 16 }, config.Split));
        Assert.Equal(key, CachedBaseEvaluator.Key(model, config.Eval with { Every = 7 }, config.Split));
        Assert.NotEqual(key, CachedBaseEvaluator.Key(model, config.Eval with { TimeShift = 2 }, config.Split));
        Assert.NotEqual(key, CachedBaseEvaluator.Key(model, config.Eval with { Sampler = Arbor.Sampling.OdeSolver.Heun }, config.Split));
        // the YAML the key hashes spells the solver as the string setting did, so stored caches stay valid
        Assert.Contains("sampler: euler", Arbor.Configuration.ConfigLoader.ToYaml(new EvalConfig()).Split('\n'));
        // a base sampled in bf16 is another evaluation; auto is keyed as what it resolves to on this machine
        var bf16 = CachedBaseEvaluator.Key(model, config.Eval with { Precision = Precision.Bf16 }, config.Split);
        Assert.NotEqual(key, bf16);
        Assert.Equal(CpuFeatures.HasBf16MatrixUnits ? bf16 : key,
            CachedBaseEvaluator.Key(model, config.Eval with { Precision = Precision.Auto }, config.Split));
    }

    [Fact]
    public void AGuidanceIntervalIsWithinZeroToOneAndOnlyForStrategiesThatReadNoRolloutLogProbs()
    {
        var range = Assert.Throws<Arbor.Configuration.ConfigException>(() => Arbor.Configuration.ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: nft\nrollout:\n  guidance_until: 1\n", "t.yaml"));
        Assert.Contains("rollout.guidance_until must be in [0, 1) (got 1)", range.Message);
        var model = SaveTinyBase();
        var flowGrpo = Config(model, 1);
        flowGrpo = flowGrpo with { Rollout = flowGrpo.Rollout with { GuidanceUntil = 0.5 } };
        var run = Path.Combine(_temp.Path, "interval");
        var e = Assert.Throws<Arbor.Configuration.ConfigException>(() =>
            new GrpoTrainer(flowGrpo, run).Run(resume: false, cancel: TestContext.Current.CancellationToken));
        Assert.Contains("rollout.guidance_until (0.5) is for forward-process strategies (nft, awm): flow_grpo reads", e.Message);
        // the same refusal when the config loads, and for the picture `arbor tree` draws of it
        var loaded = Assert.Throws<Arbor.Configuration.ConfigException>(() => Arbor.Configuration.ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: dynamic_tree\nrollout:\n  guidance_until: 0.5\n", "t.yaml"));
        Assert.Contains("rollout.guidance_until (0.5) is for forward-process strategies (nft, awm): dynamic_tree reads", loaded.Message);
        Assert.Empty(Arbor.Configuration.ConfigLoader.Parse<GrpoTrainConfig>("strategy: awm\nrollout:\n  guidance_until: 0.5\n",
            "t.yaml").Problems());
        using var pipeline = Rollouts.RolloutEngineTests.TinyPipeline(4);
        var tree = Assert.Throws<Arbor.Configuration.ConfigException>(() =>
            TreeInspection.Rollout(pipeline, flowGrpo, "a red circle", 0, 1));
        Assert.Contains("flow_grpo reads the rollout's log-probabilities back", tree.Message);
    }

    [Fact]
    public void UnknownStrategyOrRewardIsAConfigErrorNamingIt()
    {
        var e = Assert.Throws<Arbor.Configuration.ConfigException>(() =>
            Arbor.Configuration.ConfigLoader.Parse<GrpoTrainConfig>("strategy: tree_magic\nreward:\n  names: [aesthetics]\n", "t.yaml"));
        Assert.Contains("strategy 'tree_magic' is unknown", e.Message);
        Assert.Contains("'aesthetics' is unknown", e.Message);
    }

    [Fact]
    public void AResumeWhoseCheckpointDoesNotLoadLeavesTheRunsConfigAsItWas()
    {
        var model = SaveTinyBase();
        var run = Path.Combine(_temp.Path, "run");
        new GrpoTrainer(Config(model, 2), run).Run(resume: false, stopAfter: 1, cancel: TestContext.Current.CancellationToken);
        var config = File.ReadAllText(Path.Combine(run, "config.yaml"));

        // a resume with another LoRA rank: its adapters do not fit the checkpoint's
        var other = Config(model, 2) with { Lora = new LoraConfig { Rank = 3, Alpha = 4 } };
        var e = Assert.Throws<InvalidDataException>(() =>
            new GrpoTrainer(other, run).Run(resume: true, cancel: TestContext.Current.CancellationToken));
        Assert.Contains("does not match this run's model or LoRA config", e.Message);
        Assert.Equal(config, File.ReadAllText(Path.Combine(run, "config.yaml")));   // before, the failed resume's rank 3 was written here
        Assert.Contains("rank: 2", config);
    }

    private static double[] RewardMeans(string run) =>
        File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Where(l => l.Contains("\"train\""))
            .Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("reward_mean").GetDouble()).ToArray();

    [Fact]
    public void KeepBestKeepsTheWeightsOfTheBestTrainingRewardWindowAndAResumeKeepsTheSame()
    {
        var model = SaveTinyBase();
        var config = Config(model, 6) with { Train = Config(model, 6).Train with { CheckpointEvery = 2, KeepBest = true, BestWindow = 2 } };
        var whole = Path.Combine(_temp.Path, "whole");
        new GrpoTrainer(config, whole).Run(resume: false, cancel: TestContext.Current.CancellationToken);

        // chosen at checkpoints 2, 4 and 6 by the mean reward of the two iterations before each, kept while not beaten
        var r = RewardMeans(whole);
        Assert.Equal(6, r.Length);
        long expectedIteration = 0;
        double expectedScore = double.NegativeInfinity;
        foreach (int at in new[] { 2, 4, 6 })
        {
            double mean = (r[at - 2] + r[at - 1]) / 2;
            if (mean > expectedScore) (expectedIteration, expectedScore) = (at, mean);
        }
        var best = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(whole, "best", "best.json"))).RootElement;
        Assert.Equal(expectedIteration, best.GetProperty("iteration").GetInt64());
        Assert.Equal(expectedScore, best.GetProperty("mean_training_reward").GetDouble(), 12);
        Assert.Equal(2, best.GetProperty("window").GetInt32());
        // best/ holds the weights after that iteration: a run stopped there has them in its checkpoint
        var stopped = Path.Combine(_temp.Path, "stopped");
        new GrpoTrainer(config, stopped).Run(resume: false, stopAfter: expectedIteration, cancel: TestContext.Current.CancellationToken);
        var bestWeights = File.ReadAllBytes(Path.Combine(whole, "best", "lora.safetensors"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(stopped, "checkpoint", "lora.safetensors")), bestWeights);

        // stopped between checkpoints (at 3) and resumed: the same choice and the same weights as the uninterrupted run
        var killed = Path.Combine(_temp.Path, "killed");
        new GrpoTrainer(config, killed).Run(resume: false, stopAfter: 3, cancel: TestContext.Current.CancellationToken);
        new GrpoTrainer(config, killed).Run(resume: true, cancel: TestContext.Current.CancellationToken);
        Assert.Equal(File.ReadAllText(Path.Combine(whole, "best", "best.json")),
            File.ReadAllText(Path.Combine(killed, "best", "best.json")));
        Assert.Equal(bestWeights, File.ReadAllBytes(Path.Combine(killed, "best", "lora.safetensors")));

        // off (the default): no best/
        var plain = Path.Combine(_temp.Path, "plain");
        new GrpoTrainer(Config(model, 2), plain).Run(resume: false, cancel: TestContext.Current.CancellationToken);
        Assert.False(Directory.Exists(Path.Combine(plain, "best")));
    }

    [Fact]
    public void BestWeightsChooseOnlyFullWindowsThatBeatEveryEarlierOneAndSurviveTheirState()
    {
        var best = new BestWeights(3);
        best.Add(1.0);
        best.Add(2.0);
        Assert.False(best.TryImprove(2));             // two of three: not a score yet
        best.Add(3.0);
        Assert.True(best.TryImprove(3));               // (1 + 2 + 3) / 3
        Assert.Equal((2.0, 3L), (best.Score!.Value, best.Iteration));
        best.Add(double.NaN);                          // a failed reward is no score: the window stays 1, 2, 3
        Assert.False(best.TryImprove(4));              // equal is not better
        best.Add(0.0);
        Assert.False(best.TryImprove(5));              // (2 + 3 + 0) / 3
        var resumed = new BestWeights(3, System.Text.Json.JsonSerializer.Deserialize<BestWeightsState>(
            System.Text.Json.JsonSerializer.Serialize(best.ToState())));
        foreach (var b in new[] { best, resumed })
        {
            b.Add(10.0);
            Assert.True(b.TryImprove(6));              // (3 + 0 + 10) / 3
            Assert.Equal((13.0 / 3, 6L), (b.Score!.Value, b.Iteration));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => new BestWeights(0));
        var e = Assert.Throws<Arbor.Configuration.ConfigException>(() => Arbor.Configuration.ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: flow_grpo\ntrain:\n  keep_best: true\n  best_window: 0\n", "t.yaml"));
        Assert.Contains("train.best_window must be >= 1 (got 0)", e.Message);
    }
}
