using Arbor.Configuration;
using Arbor.Pretraining;
using Arbor.Shapes;
using Arbor.Strategies;
using Arbor.Training;

namespace Arbor.Tests.Configuration;

/// <summary>Every config under configs/ must load: a renamed or misspelled key fails here, not in a user's run.</summary>
public class ShippedConfigTests
{
    // From the test binary (built in the tree) or, for out-of-tree builds, from this source file.
    private static string ConfigDirectory([System.Runtime.CompilerServices.CallerFilePath] string source = "")
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(source)! })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (Directory.Exists(Path.Combine(dir.FullName, "configs")) && File.Exists(Path.Combine(dir.FullName, "Arbor.sln")))
                    return Path.Combine(dir.FullName, "configs");
            }
        }
        throw new DirectoryNotFoundException("configs/ not found above the test directory or its source");
    }

    [Fact]
    public void PretrainConfigLoads()
    {
        var c = ConfigLoader.Load<PretrainConfig>(Path.Combine(ConfigDirectory(), "pretrain-shapes.yaml"));
        Assert.Equal(32, c.Model.ImageSize);
        Assert.Equal(Arbor.Tensors.Precision.Fp32, c.Train.Precision);   // the shipped base was trained in fp32
        var stage2 = ConfigLoader.Load<PretrainConfig>(Path.Combine(ConfigDirectory(), "pretrain-shapes-stage2.yaml"));
        Assert.Equal(c.Model, stage2.Model);            // continues the same architecture
        Assert.Equal("runs/pretrain-shapes/model", stage2.InitFrom);   // stage 1's output
        var stage3 = ConfigLoader.Load<PretrainConfig>(Path.Combine(ConfigDirectory(), "pretrain-shapes-stage3.yaml"));
        Assert.Equal(c.Model, stage3.Model);
        Assert.Equal("runs/pretrain-stage2/model", stage3.InitFrom);   // stage 2's output
        var stage4 = ConfigLoader.Load<PretrainConfig>(Path.Combine(ConfigDirectory(), "pretrain-shapes-stage4.yaml"));
        Assert.Equal(c.Model, stage4.Model);
        Assert.Equal("runs/pretrain-stage3/model", stage4.InitFrom);   // stage 3's output
        Assert.Equal(stage3.Train with { LearningRate = 2e-4, WarmupSteps = 200 }, stage4.Train);   // extends stage 3
        Assert.Equal(new PretrainMixture
        {
            ExtraObject = 0.02,
            OmitObject = 0.05,
            Grammar = new PromptGrammarOptions { RegionProbability = 0.5 }
        }, stage4.Data.Mixture);
        Assert.Equal(stage3.Data.Split, stage4.Data.Split);   // the same test prompts
        Assert.Equal(0.2, stage4.Data.Split.Grammar.RegionProbability);
    }

    [Fact]
    public void EveryShippedConfigIncludingAblationsLoads()
    {
        var files = Directory.GetFiles(ConfigDirectory(), "*.yaml", SearchOption.AllDirectories);
        Assert.True(files.Length >= 10, $"found only {files.Length} configs");
        foreach (var file in files)
        {
            if (Path.GetFileName(file).StartsWith("pretrain-")) RoundTrips(ConfigLoader.Load<PretrainConfig>(file));
            else Assert.Contains(RoundTrips(ConfigLoader.Load<GrpoTrainConfig>(file)).Strategy, StrategyRegistry.Names);
        }

        // a run writes its whole config as config.yaml; loading that back (`arbor train --config runs/x/config.yaml`) must
        // give the same config, so nothing written may be a key the loader refuses (a computed property, say)
        static T RoundTrips<T>(T config) where T : class, new()
        {
            var again = ConfigLoader.Parse<T>(ConfigLoader.ToYaml(config), "config.yaml");
            Assert.Equal(ConfigLoader.ToYaml(config), ConfigLoader.ToYaml(again));
            return config;
        }
    }

    [Theory]
    [InlineData("flow-grpo.yaml", "flow_grpo", new[] { "shapes" })]
    [InlineData("dance-grpo.yaml", "dance_grpo", new[] { "shapes" })]
    [InlineData("mix-grpo.yaml", "mix_grpo", new[] { "shapes" })]
    [InlineData("tree-grpo.yaml", "tree_grpo", new[] { "shapes" })]
    [InlineData("branch-grpo.yaml", "branch_grpo", new[] { "shapes" })]
    [InlineData("dynamic-treerpo.yaml", "dynamic_tree", new[] { "shapes", "shapes_strict" })]
    [InlineData("nft.yaml", "nft", new[] { "shapes", "shapes_strict" })]
    public void TrainConfigsLoad(string file, string strategy, string[] rewards)
    {
        var c = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), file));
        Assert.Equal(strategy, c.Strategy);
        Assert.Equal(rewards, c.Reward.Names);
    }

    [Fact]
    public void ShippedDynamicTreeRpoHasTheLeafNftTermInOneLossAndTheDemoIsIt()
    {
        var shipped = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), "dynamic-treerpo.yaml"));
        Assert.True(shipped.DynamicTree is
        {
            LayerTuning: true, LayerTuningForm: Arbor.Strategies.DynamicTree.LayerTuningForm.LeafNft, LayerTuningWeight: 1.0,
            LayerTuningTimes: 2
        });
        Assert.Equal(3e-4, shipped.Optim.LearningRate);
        // the demo is the shipped config, with its products and evaluations in bf16 where this CPU has bf16 units (auto)
        var demo = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), "demo.yaml"));
        Assert.Equal((Arbor.Tensors.Precision.Auto, Arbor.Tensors.Precision.Auto), (demo.Train.Precision, demo.Eval.Precision));
        Assert.Equal(ConfigLoader.ToYaml(shipped),
            ConfigLoader.ToYaml(demo with
            {
                Train = demo.Train with { Precision = shipped.Train.Precision },
                Eval = demo.Eval with { Precision = shipped.Eval.Precision }
            }));
    }

    [Fact]
    public void LayerTuningOffIsTheShippedConfigWithOnlyTheLeafTermAndItsLearningRateAndRewardUndone()
    {
        var shipped = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), "dynamic-treerpo.yaml"));
        var off = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), "ablations", "dynamic-treerpo-layertuning-off.yaml"));
        Assert.False(off.DynamicTree.LayerTuning);
        Assert.Equal(1e-4, off.Optim.LearningRate);
        Assert.Equal(["shapes"], off.Reward.Names);
        var redone = off with
        {
            DynamicTree = off.DynamicTree with
            {
                LayerTuning = true,
                LayerTuningForm = shipped.DynamicTree.LayerTuningForm,
                LayerTuningWeight = shipped.DynamicTree.LayerTuningWeight
            },
            Optim = off.Optim with { LearningRate = shipped.Optim.LearningRate },
            Reward = off.Reward with { Names = shipped.Reward.Names },
        };
        Assert.Equal(ConfigLoader.ToYaml(shipped), ConfigLoader.ToYaml(redone));
    }

    [Fact]
    public void ShippedNftIsTheMeasuredAnnealedGuidanceIntervalOverTheFiveStepHeunAblationAndItsTreeVariantKeepsTheEulerTree()
    {
        var shipped = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), "nft.yaml"));
        var annealed = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), "ablations", "nft-cosine-400.yaml"));
        Assert.Equal(ConfigLoader.ToYaml(annealed), ConfigLoader.ToYaml(shipped));
        Assert.Equal((LearningRateDecay.Cosine, 400L, 400), (shipped.Optim.Decay, shipped.Optim.DecayIterations, shipped.Train.Iterations));
        // the measured guidance interval is the shipped config at the constant rate it was measured at
        var interval = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), "ablations", "nft-guidance-interval.yaml"));
        Assert.Equal(LearningRateDecay.Constant, interval.Optim.Decay);
        Assert.Equal(ConfigLoader.ToYaml(interval),
            ConfigLoader.ToYaml(shipped with { Optim = interval.Optim, Train = interval.Train, Eval = interval.Eval }));
        Assert.Equal((0.5, 0.0), (shipped.Rollout.GuidanceUntil, shipped.Nft.RefWeight));
        // the config before it, which the earlier nft ablations extend, is the measured 5-step Heun ablation
        var before = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), "ablations", "nft-full-guidance.yaml"));
        var measured = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), "ablations", "nft-bf16-heun5-shift-2.yaml"));
        Assert.Equal(Arbor.Tensors.Precision.Auto, shipped.Train.Precision);   // bf16 where the CPU has it, as measured
        Assert.Equal(ConfigLoader.ToYaml(measured with { Train = measured.Train with { Precision = shipped.Train.Precision } }),
            ConfigLoader.ToYaml(before));
        var tree = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), "nft-tree.yaml"));
        var euler = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), "ablations", "nft-euler.yaml"));
        Assert.Equal(euler.Rollout, tree.Rollout);
        Assert.Equal(10, tree.Nft.Steps);
        Assert.Equal((LearningRateDecay.Constant, 100), (tree.Optim.Decay, tree.Train.Iterations));    // as measured on trees
    }

    [Fact]
    public void AnAblationDiffersFromItsBaselineConfigOnlyInWhatItStates()
    {
        var baseline =
            ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), "ablations", "dynamic-treerpo-layertuning-off.yaml"));
        var slide = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), "ablations", "dynamic-treerpo-full-slide.yaml"));
        Assert.Null(slide.DynamicTree.LastWindowStart);
        Assert.Equal(3.0e-4, slide.Optim.LearningRate);
        Assert.Equal(6, slide.Train.PromptsPerIteration);
        var undone = slide with
        {
            DynamicTree = slide.DynamicTree with { LastWindowStart = baseline.DynamicTree.LastWindowStart },
            Optim = slide.Optim with { LearningRate = baseline.Optim.LearningRate },
            Train = slide.Train with { PromptsPerIteration = baseline.Train.PromptsPerIteration },
        };
        Assert.Equal(ConfigLoader.ToYaml(baseline), ConfigLoader.ToYaml(undone));
    }

    [Fact]
    public void TheShippedEpsilonBaseIsAnEpsilonModelUnderTwentyMegabytesThatTheFlowKindRefuses()
    {
        var dir = Path.Combine(ConfigDirectory(), "..", "models", "shapes-base-eps");
        long bytes = new DirectoryInfo(dir).EnumerateFiles("*", SearchOption.AllDirectories).Sum(f => f.Length);
        Assert.True(bytes < 20L << 20, $"models/shapes-base-eps holds {bytes} bytes");
        using (var model = Arbor.Pipelines.TextToImagePipeline.Load(dir, expected: Arbor.Models.ModelKind.Epsilon))
            Assert.Equal(Arbor.Models.ModelKind.Epsilon, model.Model.Process.Kind);
        Assert.Throws<Arbor.Models.ModelKindMismatchException>(() =>
            Arbor.Pipelines.TextToImagePipeline.Load(dir, expected: Arbor.Models.ModelKind.Flow));
    }

    [Fact]
    public void NftOnTheEpsilonBaseIsNftWithDdimRolloutsOfTheSameModelEvaluationsPerImage()
    {
        var eps = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), "nft-eps.yaml"));
        var flow = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), "nft.yaml"));
        Assert.Equal("models/shapes-base-eps", eps.Model);
        Assert.Equal(Arbor.Sampling.OdeSolver.Euler, eps.Rollout.OdeSolver);                 // DDIM with η = 0 on this kind
        Assert.Equal(Arbor.Sampling.OdeSolver.Heun, flow.Rollout.OdeSolver);
        Assert.Equal(2 * flow.Nft.Steps, eps.Nft.Steps);                                      // Heun: 2 evaluations a step
        Assert.Equal((NftLossSpace.Prediction, NftLossSpace.X0), (eps.Nft.LossSpace, flow.Nft.LossSpace));
        // what a run checks before it loads the model: every step and solver fits the ε kind
        Arbor.Rollouts.RolloutEngine.CheckKinds(StrategyRegistry.Create(eps), eps.Rollout, Arbor.Models.ModelKind.Epsilon);
        var undone = eps with
        {
            Model = flow.Model,
            Optim = flow.Optim,     // nft-eps keeps the constant rate it was measured at
            Train = flow.Train,
            Eval = flow.Eval,
            Nft = eps.Nft with
            {
                Steps = flow.Nft.Steps,
                SdeKind = flow.Nft.SdeKind,
                LossSpace = flow.Nft.LossSpace,
                RefWeight = flow.Nft.RefWeight,
            },
            Rollout = eps.Rollout with
            {
                OdeSolver = flow.Rollout.OdeSolver,
                TimeShift = flow.Rollout.TimeShift,
                GuidanceUntil = flow.Rollout.GuidanceUntil,
            },
        };
        Assert.Equal(ConfigLoader.ToYaml(flow), ConfigLoader.ToYaml(undone));
    }

    [Theory]
    [InlineData("dynamic-treerpo-eps.yaml", "dynamic-treerpo.yaml")]
    [InlineData("tree-grpo-eps.yaml", "tree-grpo.yaml")]
    [InlineData("ddpo-eps.yaml", "flow-grpo.yaml")]
    public void AnEpsilonConfigIsItsFlowConfigWithTheEpsilonBaseAndDdim(string file, string flowFile)
    {
        var eps = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), file));
        var flow = ConfigLoader.Load<GrpoTrainConfig>(Path.Combine(ConfigDirectory(), flowFile));
        Assert.Equal("models/shapes-base-eps", eps.Model);
        var step = StrategyRegistry.Create(eps).SdeStep;
        Assert.Equal(Arbor.Models.ModelKind.Epsilon, step.Kind);
        Assert.Equal(1.0, Assert.IsType<Arbor.Sampling.Steps.DdimStep>(step).Eta);       // DDPO's η
        if (eps.Strategy == "dynamic_tree")
        {
            Assert.Equal((NftLossSpace.Prediction, NftLossSpace.X0),
                (eps.DynamicTree.LayerTuningLossSpace, flow.DynamicTree.LayerTuningLossSpace));
        }
        var undone = eps with
        {
            Model = flow.Model,
            DynamicTree = eps.DynamicTree with
            {
                SdeKind = flow.DynamicTree.SdeKind,
                NoiseLevel = flow.DynamicTree.NoiseLevel,
                LayerTuningLossSpace = flow.DynamicTree.LayerTuningLossSpace, // the leaf NFT term's, as nft-eps's
            },
            TreeGrpo = eps.TreeGrpo with { SdeKind = flow.TreeGrpo.SdeKind, NoiseLevel = flow.TreeGrpo.NoiseLevel },
            FlowGrpo = eps.FlowGrpo with { SdeKind = flow.FlowGrpo.SdeKind, NoiseLevel = flow.FlowGrpo.NoiseLevel },
            Loss = eps.Loss with { KlWeight = flow.Loss.KlWeight },   // DDPO's: none
        };
        Assert.Equal(ConfigLoader.ToYaml(flow), ConfigLoader.ToYaml(undone));
    }

    [Fact]
    public void TheEpsilonPretrainingConvertsTheShippedFlowBaseWithTheLastStagesRecipe()
    {
        var eps = ConfigLoader.Load<PretrainConfig>(Path.Combine(ConfigDirectory(), "pretrain-shapes-eps.yaml"));
        var stage4 = ConfigLoader.Load<PretrainConfig>(Path.Combine(ConfigDirectory(), "pretrain-shapes-stage4.yaml"));
        Assert.Equal(Arbor.Models.ModelKind.Epsilon, eps.Model.Kind);
        Assert.Equal(new Arbor.Models.DiffusionScheduleConfig(), eps.Model.Diffusion);     // DDPM's schedule, written out
        Assert.Equal("models/shapes-base", eps.InitFrom);                                     // the shipped flow base,
        Assert.True(eps.InitFromOtherKind);                                                   // converted
        Assert.Empty(eps.Problems());
        // everything else (data mixture, split, model size, optimizer, warm-up, floor, evaluation) is stage 4's
        var undone = eps with
        {
            Seed = stage4.Seed,
            InitFrom = stage4.InitFrom,
            InitFromOtherKind = false,
            Model = eps.Model with { Kind = stage4.Model.Kind, Diffusion = null },
            Train = eps.Train with
            {
                Steps = stage4.Train.Steps,
                LearningRate = stage4.Train.LearningRate,
                Precision = stage4.Train.Precision,
            },
            Eval = eps.Eval with { Every = stage4.Eval.Every },
        };
        Assert.Equal(ConfigLoader.ToYaml(stage4), ConfigLoader.ToYaml(undone));
    }
}
