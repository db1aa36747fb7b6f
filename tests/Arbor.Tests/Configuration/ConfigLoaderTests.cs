using Arbor.Advantages;
using Arbor.Configuration;
using Arbor.Pretraining;
using Arbor.TestKit;
using Arbor.Training;

namespace Arbor.Tests.Configuration;

public class ConfigLoaderTests
{
    [Fact]
    public void OmittedKeysKeepDocumentedDefaultsAndGivenOnesApply()
    {
        var c = ConfigLoader.Parse<PretrainConfig>("seed: 7\ntrain:\n  steps: 12\n  learning_rate: 2.5e-4\nmodel:\n  depth: 3\n");
        Assert.Equal(7ul, c.Seed);
        Assert.Equal(12, c.Train.Steps);
        Assert.Equal(2.5e-4, c.Train.LearningRate);
        Assert.Equal(3, c.Model.Depth);
        Assert.Equal(64, c.Train.BatchSize);               // default
        Assert.Equal(0.1, c.Train.CaptionDropout);         // default
    }

    [Fact]
    public void UnknownKeyIsAnErrorNamingKeyAndLine()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<PretrainConfig>("seed: 1\ntrain:\n  stpes: 3\n", "x.yaml"));
        Assert.Contains("x.yaml line 3", e.Message);
        Assert.Contains("unknown key 'stpes'", e.Message);
    }

    [Theory]
    // found on the node tree, not read back from YamlDotNet's message: the section is the dotted path, the suggestion
    // the nearest setting by edit distance (a swapped pair counts once) when within a third of the key's length
    [InlineData("seed: 1\ntrain:\n  stpes: 3\n",
        "x.yaml line 3: unknown key 'stpes' in section 'train' (not a setting of PretrainOptimConfig; did you mean 'steps'?)")]
    [InlineData("sed: 1\n", "x.yaml line 1: unknown key 'sed' at the top level (not a setting of PretrainConfig; did you mean 'seed'?)")]
    [InlineData("train:\n  steps: 3\n  lr: 0.1\n",
        "x.yaml line 3: unknown key 'lr' in section 'train' (not a setting of PretrainOptimConfig)")]
    public void AnUnknownKeyNamesItsSectionAndTheClosestSetting(string yaml, string message)
    {
        Assert.Equal(message, Assert.Throws<ConfigException>(() => ConfigLoader.Parse<PretrainConfig>(yaml, "x.yaml")).Message);
    }

    [Fact]
    public void AnUnknownKeyInANestedSectionNamesItsDottedPath()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: flow_grpo\nreward:\n  remote:\n    url: http://127.0.0.1:5055\n    timeout_secs: 5\n", "r.yaml"));
        Assert.Equal("r.yaml line 5: unknown key 'timeout_secs' in section 'reward.remote' (not a setting of RemoteRewardConfig; did you " +
            "mean 'timeout_seconds'?)", e.Message);
        // a dictionary's keys are free: family names are not settings
        Assert.Equal(2, ConfigLoader.Parse<GrpoTrainConfig>("strategy: flow_grpo\ntrain:\n  family_weights:\n    colors: 2\n")
            .Train.FamilyWeights["colors"]);
    }

    [Fact]
    public void TheClosestSettingCountsASwappedPairOnce()
    {
        Assert.Equal(1, UnknownKeys.Distance("learnign_rate", "learning_rate"));
        Assert.Equal(3, UnknownKeys.Distance("timeout_secs", "timeout_seconds"));
        Assert.Equal("learning_rate", UnknownKeys.Closest("learnign_rate", ["batch_size", "learning_rate"]));
        Assert.Null(UnknownKeys.Closest("lr", ["learning_rate", "steps"]));
    }

    [Fact]
    public void WrongTypeIsAnErrorNamingKeyAndValue()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<PretrainConfig>("train:\n  steps: many\n", "y.yaml"));
        Assert.Contains("y.yaml line 2", e.Message);
        Assert.Contains("'many'", e.Message);
        Assert.Contains("'steps'", e.Message);
    }

    [Fact]
    public void InvalidValueIsAnErrorNamingTheKey()
    {
        var e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Parse<PretrainConfig>("train:\n  caption_dropout: 1.5\n", "z.yaml"));
        Assert.Contains("train.caption_dropout must be in [0, 1]", e.Message);
        // a closed choice is an enum: the parser rejects a bad value at its line (issue #19)
        var sampler = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<PretrainConfig>("eval:\n  sampler: rk4\n", "z.yaml"));
        Assert.Contains("line 2", sampler.Message);
        Assert.Contains("'rk4'", sampler.Message);
        Assert.Contains("sampler", sampler.Message);
    }

    [Fact]
    public void TrainPrecisionParsesItsTwoSpellingsAndRejectsOthersAtTheirLine()
    {
        Assert.Equal(Arbor.Tensors.Precision.Fp32, ConfigLoader.Parse<GrpoTrainConfig>("strategy: nft\n").Train.Precision);
        Assert.Equal(Arbor.Tensors.Precision.Bf16,
            ConfigLoader.Parse<GrpoTrainConfig>("strategy: nft\ntrain:\n  precision: bf16\n").Train.Precision);
        Assert.Equal(Arbor.Tensors.Precision.Auto,
            ConfigLoader.Parse<GrpoTrainConfig>("strategy: nft\ntrain:\n  precision: auto\n").Train.Precision);
        var e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Parse<GrpoTrainConfig>("strategy: nft\ntrain:\n  precision: fp16\n", "q.yaml"));
        Assert.Contains("q.yaml line 3", e.Message);
        // the evaluation's own setting, independent of training's
        var both = ConfigLoader.Parse<GrpoTrainConfig>("strategy: nft\ntrain:\n  precision: bf16\neval:\n  precision: auto\n");
        Assert.Equal((Arbor.Tensors.Precision.Bf16, Arbor.Tensors.Precision.Auto), (both.Train.Precision, both.Eval.Precision));
        Assert.Equal(Arbor.Tensors.Precision.Fp32, ConfigLoader.Parse<GrpoTrainConfig>("strategy: nft\n").Eval.Precision);
    }

    [Fact]
    public void PretrainPrecisionParsesItsSpellingsAndRejectsOthersAtTheirLine()
    {
        Assert.Equal(Arbor.Tensors.Precision.Fp32, ConfigLoader.Parse<PretrainConfig>("seed: 1\n").Train.Precision);
        Assert.Equal(Arbor.Tensors.Precision.Bf16, ConfigLoader.Parse<PretrainConfig>("train:\n  precision: bf16\n").Train.Precision);
        Assert.Equal(Arbor.Tensors.Precision.Auto, ConfigLoader.Parse<PretrainConfig>("train:\n  precision: auto\n").Train.Precision);
        var e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Parse<PretrainConfig>("seed: 1\ntrain:\n  steps: 10\n  precision: fp16\n", "p.yaml"));
        Assert.Contains("p.yaml line 4", e.Message);
        // the pretraining evaluation keeps its own setting
        var both = ConfigLoader.Parse<PretrainConfig>("train:\n  precision: bf16\neval:\n  precision: auto\n");
        Assert.Equal((Arbor.Tensors.Precision.Bf16, Arbor.Tensors.Precision.Auto), (both.Train.Precision, both.Eval.Precision));
    }

    [Fact]
    public void TheLeafNftLossSpaceParsesAndIsRefusedBesideAnotherLayerTuningForm()
    {
        var c = ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: dynamic_tree\ndynamic_tree:\n  layer_tuning_form: leaf_nft\n  layer_tuning_loss_space: prediction\n");
        Assert.Equal(Arbor.Strategies.NftLossSpace.Prediction, c.DynamicTree.LayerTuningLossSpace);
        Assert.Equal(Arbor.Strategies.NftLossSpace.X0, ConfigLoader.Parse<GrpoTrainConfig>("seed: 1\n").DynamicTree.LayerTuningLossSpace);
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: dynamic_tree\ndynamic_tree:\n  layer_tuning_form: path_sft\n  layer_tuning_loss_space: prediction\n", "p.yaml"));
        Assert.Contains("dynamic_tree.layer_tuning_loss_space applies to layer_tuning_form leaf_nft only", e.Message);
    }

    [Fact]
    public void TheTreeAdvantageChoicesParseAndAParentBaselineWithoutATreeIsAnError()
    {
        var c = ConfigLoader.Parse<GrpoTrainConfig>("strategy: tree_grpo\nadvantage:\n  backup: mean\n  edge_baseline: parent\n");
        Assert.Equal(BackupWeights.Mean, c.Advantage.Backup);
        Assert.Equal(EdgeBaseline.Parent, c.Advantage.EdgeBaseline);
        var e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Parse<GrpoTrainConfig>("strategy: flow_grpo\nadvantage:\n  edge_baseline: parent\n", "p.yaml"));
        Assert.Contains("advantage.edge_baseline parent needs a tree backup", e.Message);
        Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>("advantage:\n  backup: median\n", "m.yaml"));
        // closed choices are enums: a typo fails at its line instead of falling back to a default
        var typo = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Parse<GrpoTrainConfig>("tree_grpo:\n  window_schedule: geometirc\n", "s.yaml"));
        Assert.Contains("s.yaml", typo.Message);
        Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>("dynamic_tree:\n  layer_tuning_space: x1\n", "s.yaml"));
    }

    [Fact]
    public void NonFiniteNumbersAndImpossibleCountsAreErrorsNamingTheirKeys()
    {
        var e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Parse<GrpoTrainConfig>("optim:\n  learning_rate: .nan\nloss:\n  clip_range: .inf\n", "n.yaml"));
        Assert.Contains("optim.learning_rate must be a finite number", e.Message);
        Assert.Contains("loss.clip_range must be a finite number", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>("flow_grpo:\n  group_size: -3\n", "g.yaml"));
        Assert.Contains("flow_grpo.group_size must be >= 2", e.Message);
        e = Assert.Throws<ConfigException>(() =>
            ConfigLoader.Parse<GrpoTrainConfig>("reward:\n  names: [shapes]\n  weights: [.nan]\n", "w.yaml"));
        Assert.Contains("reward.weights[0] must be a finite number", e.Message);
        e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<PretrainConfig>("train:\n  learning_rate: .nan\n", "p.yaml"));
        Assert.Contains("train.learning_rate must be a finite number", e.Message);
    }


    [Theory]
    [InlineData("lora:\n  alpha: 0\n", "lora.alpha must be > 0 (got 0)")]
    [InlineData("advantage:\n  advantage_clip: -1\n", "advantage.advantage_clip must be > 0 (got -1)")]
    [InlineData("advantage:\n  solved_group_advantage: -0.5\n", "advantage.solved_group_advantage must be >= 0 (got -0.5)")]
    [InlineData("advantage:\n  epsilon: -0.1\n", "advantage.epsilon must be >= 0 (got -0.1)")]
    [InlineData("train:\n  max_bad_iterations: 0\n", "train.max_bad_iterations must be >= 1 (got 0)")]
    [InlineData("reward:\n  remote:\n    url: 127.0.0.1:5055\n",
        "reward.remote.url must be an absolute http:// or https:// address (got '127.0.0.1:5055')")]
    [InlineData("reward:\n  remote:\n    timeout_seconds: 0\n", "reward.remote.timeout_seconds must be > 0 and at most 2147484 (got 0)")]
    [InlineData("reward:\n  remote:\n    timeout_seconds: 1e9\n",
        "reward.remote.timeout_seconds must be > 0 and at most 2147484 (got 1000000000)")]
    [InlineData("reward:\n  remote:\n    retries: -1\n", "reward.remote.retries must be >= 0 (got -1)")]
    [InlineData("reward:\n  remote:\n    backoff_seconds: -2\n", "reward.remote.backoff_seconds must be >= 0 (got -2)")]
    [InlineData("reward:\n  remote:\n    backoff_seconds: 90000\n",
        "reward.remote.backoff_seconds must be at most 86400 (one day; got 90000)")]
    [InlineData("reward:\n  remote:\n    retries: 40\n",
        "reward.remote.backoff_seconds x 2^(retries - 1), the last retry's wait, must be at most 2147484 s (got 0.5 x 2^39)")]
    public void NumbersOutOfTheirRangeAreErrorsNamingTheirKeys(string yaml, string message)
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>("strategy: flow_grpo\n" + yaml, "r.yaml"));
        Assert.Contains(message, e.Message);
        Assert.Contains("r.yaml", e.Message);
    }
    [Fact]
    public void AnEmptyConfigFileIsAnErrorRatherThanEveryDefault()
    {
        using var temp = new TempDirectory("arbor-empty-");
        var path = temp.File("empty.yaml");
        File.WriteAllText(path, "# nothing yet\n\n");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load<GrpoTrainConfig>(path));
        Assert.Contains("is empty", e.Message);
        Assert.Contains("strategy", e.Message);
    }

    [Fact]
    public void ATrainingConfigsWindowOutsideTheScheduleIsAnErrorNamingIt()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>(
            "strategy: dynamic_tree\ndynamic_tree:\n  steps: 10\n  depth: 3\n  last_window_start: 8\n", "w.yaml"));
        Assert.Contains("dynamic_tree.last_window_start 8 is outside the schedule (expected 0 to steps - depth - 1 = 6: the last step " +
            "is never trained)", e.Message);
        // the window [7, 10) would train the last step
        Assert.Throws<ConfigException>(() => ConfigLoader.Parse<GrpoTrainConfig>("strategy: dynamic_tree\ndynamic_tree:\n  steps: " +
            "10\n  depth: 3\n  last_window_start: 7\n", "w.yaml"));
        Assert.Equal(2, ConfigLoader.Parse<GrpoTrainConfig>("dynamic_tree:\n  last_window_start: 2\n").DynamicTree.LastWindowStart);
    }

    [Fact]
    public void MissingFileIsAnErrorNamingIt()
    {
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load<PretrainConfig>("/nonexistent/conf.yaml"));
        Assert.Contains("'/nonexistent/conf.yaml' not found", e.Message);
    }

    [Fact]
    public void EffectiveConfigRoundTrips()
    {
        var c = new PretrainConfig { Seed = 9, Train = new PretrainOptimConfig { Steps = 5 } };
        var again = ConfigLoader.Parse<PretrainConfig>(ConfigLoader.ToYaml(c));
        Assert.Equal(ConfigLoader.ToYaml(c), ConfigLoader.ToYaml(again));
        Assert.Equal(5, again.Train.Steps);
    }
}

public sealed class ConfigExtendsTests : IDisposable
{
    private readonly TempDirectory _temp = new("arbor-extends-");

    public void Dispose() => _temp.Dispose();

    private string Write(string relative, string yaml)
    {
        var path = Path.Combine(_temp.Path, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, yaml);
        return path;
    }

    private const string Parent =
        "strategy: dynamic_tree\nseed: 3\ndynamic_tree:\n  steps: 10\n  depth: 3\n  last_window_start: 2\noptim:\n  learning_rate: " +
            "1.0e-4\n  weight_decay: 0.02\ntrain:\n  prompts_per_iteration: 12\n";

    [Fact]
    public void AChildKeepsItsParentsSettingsAndOverridesOnlyWhatItStates()
    {
        Write("base.yaml", Parent);
        var child = Write("ablations/child.yaml", "extends: ../base.yaml\noptim:\n  learning_rate: 3.0e-4\n");
        var c = ConfigLoader.Load<GrpoTrainConfig>(child);
        Assert.Equal(3.0e-4, c.Optim.LearningRate);          // overridden
        Assert.Equal(0.02, c.Optim.WeightDecay);              // sibling key in the same mapping: inherited
        Assert.Equal(12, c.Train.PromptsPerIteration);
        Assert.Equal(3ul, c.Seed);                            // inherited
        Assert.Equal(2, c.DynamicTree.LastWindowStart);       // inherited
        Assert.Equal(3, c.DynamicTree.Depth);
    }

    [Fact]
    public void AChildCanResetANullableKeyAndChainsAreFollowed()
    {
        Write("base.yaml", Parent);
        Write("mid.yaml", "extends: base.yaml\nseed: 5\n");
        var child = Write("leaf.yaml", "extends: mid.yaml\ndynamic_tree:\n  last_window_start: ~\n");
        var c = ConfigLoader.Load<GrpoTrainConfig>(child);
        Assert.Null(c.DynamicTree.LastWindowStart);
        Assert.Equal(5ul, c.Seed);
        Assert.Equal(1.0e-4, c.Optim.LearningRate);
    }

    [Fact]
    public void AnUnknownKeyInTheChildIsReportedAtItsOwnLine()
    {
        Write("base.yaml", Parent);
        var child = Write("child.yaml", "extends: base.yaml\noptim:\n  learnign_rate: 3.0e-4\n");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load<GrpoTrainConfig>(child));
        Assert.Contains("child.yaml line 3", e.Message);
        Assert.Contains("unknown key 'learnign_rate'", e.Message);
    }

    [Fact]
    public void AnInvalidMergedValueIsAnErrorNamingTheKey()
    {
        Write("base.yaml", Parent);
        var child = Write("child.yaml", "extends: base.yaml\ndynamic_tree:\n  last_window_start: 8\n");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load<GrpoTrainConfig>(child));
        Assert.Contains("dynamic_tree.last_window_start 8 is outside the schedule", e.Message);
    }

    [Fact]
    public void AMissingParentOrACycleIsAnErrorNamingTheFiles()
    {
        var orphan = Write("orphan.yaml", "extends: gone.yaml\nseed: 1\n");
        var e = Assert.Throws<ConfigException>(() => ConfigLoader.Load<GrpoTrainConfig>(orphan));
        Assert.Contains("gone.yaml' not found (extended by", e.Message);
        Assert.Contains("orphan.yaml", e.Message);

        Write("a.yaml", "extends: b.yaml\nseed: 1\n");
        var b = Write("b.yaml", "extends: a.yaml\nseed: 2\n");
        var cycle = Assert.Throws<ConfigException>(() => ConfigLoader.Load<GrpoTrainConfig>(b));
        Assert.Contains("extends itself", cycle.Message);
    }
}
