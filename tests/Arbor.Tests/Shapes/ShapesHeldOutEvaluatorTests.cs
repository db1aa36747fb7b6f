using Arbor.Evaluation;
using Arbor.Pipelines;
using Arbor.Pretraining;
using Arbor.Shapes;
using Arbor.Tensors;
using Arbor.TestKit;
using Arbor.Text;

namespace Arbor.Tests.Shapes;

public sealed class ShapesHeldOutEvaluatorTests : IDisposable
{
    private readonly TempDirectory _temp = new("arbor-heldout-");
    // not created: the evaluator makes its output directory, as a run's first evaluation does
    private readonly string _dir;

    public ShapesHeldOutEvaluatorTests() => _dir = Path.Combine(_temp.Path, "eval");

    public void Dispose() => _temp.Dispose();

    private static TextToImagePipeline Tiny()
    {
        var tokenizer = new WordTokenizer(ShapesVocabulary.Words);
        var config = Models.FlowDiTTests.Tiny with
        {
            ImageSize = 16,
            PatchSize = 4,
            Text = Models.FlowDiTTests.Tiny.Text with { VocabSize = tokenizer.VocabSize, MaxTokens = 16 },
        };
        using var gen = new Generator(3);
        return TextToImagePipeline.Create(config, tokenizer, gen);
    }

    [Fact]
    public void EachPromptHasItsOwnNoiseSoEvaluationsArePairedPromptByPrompt()
    {
        using var pipeline = Tiny();
        var splits = new ShapesSplits();
        var eval = new EvalConfig { PromptsPerFamily = 3, Steps = 2 };
        var first = new ShapesHeldOutEvaluator(splits).Evaluate(pipeline, eval with { BatchSize = 4 }, 0, _dir);
        var again = new ShapesHeldOutEvaluator(splits).Evaluate(pipeline, eval with { BatchSize = 4 }, 1, _dir);
        Assert.Equal(["in_distribution", "compositional"], first.Sets.Select(s => s.Name));
        foreach (var set in HeldOutSets.All)
            Assert.Equal(first.Of(set)!.Outcomes, again.Of(set)!.Outcomes);
        // the same model twice: a paired comparison with no change at all
        var same = HeldOutComparison.Between(first, again);
        Assert.All(same, c => Assert.Equal((0.0, 0, 0, 1.0), (c.Overall.Change, c.Overall.Gained, c.Overall.Lost, c.Overall.PValue)));
        // the j-th prompt of a family keeps its noise however many are evaluated: 2 per family pair with the first 2 of 3
        // (one prompt per forward on both sides, since OpenBLAS's sums depend on the batch size)
        var single = new ShapesHeldOutEvaluator(splits);
        var one = eval with { BatchSize = 1 };
        var full = single.Run(pipeline, one, single.Prompts(HeldOutSet.Compositional, 3), (ulong)HeldOutSet.Compositional);
        var prefix = single.Run(pipeline, one, single.Prompts(HeldOutSet.Compositional, 2), (ulong)HeldOutSet.Compositional);
        Assert.Equal(ShapesHeldOutEvaluator.OutcomesOf(full.Where((_, i) => i % 3 < 2)), ShapesHeldOutEvaluator.OutcomesOf(prefix));
        Assert.Equal(full.Where((_, i) => i % 3 < 2).Select(s => s.Image.Pixels), prefix.Select(s => s.Image.Pixels));
    }

    [Fact]
    public void TheEvaluationSamplesInItsOwnPrecisionWhateverScopeItIsCalledFrom()
    {
        using var pipeline = Tiny();
        // adaLN-zero and the zero final layer make a fresh DiT's velocity exactly 0 in any precision: give it one
        using (var scope = Torch.NewScope())
        using (Torch.NoGrad())
        using (var gen = new Generator(8))
        {
            foreach (var (name, p) in pipeline.Model.NamedParameters())
                if (name.Contains("adaLN") || name.StartsWith("final")) p.CopyFrom(Torch.RandnLike(p, gen) * 0.05);
        }
        var evaluator = new ShapesHeldOutEvaluator(new ShapesSplits());
        var prompts = evaluator.Prompts(HeldOutSet.InDistribution, 2);
        var fp32 = new EvalConfig { PromptsPerFamily = 2, Steps = 2, BatchSize = 4 };
        var bf16 = fp32 with { Precision = Precision.Bf16 };
        byte[][] Pixels(EvalConfig c) => [.. evaluator.Run(pipeline, c, prompts, 0).Select(s => s.Image.Pixels.ToArray())];

        var reference = Pixels(fp32);
        // a bf16 training iteration around an fp32 evaluation does not reach it: bit for bit the fp32 images
        using (ComputePrecision.Use(Precision.Bf16))
            Assert.Equal(reference, Pixels(fp32));
        // eval.precision bf16 samples with bf16 products, also from an fp32 caller: other pixels, and the same again
        var inBf16 = Pixels(bf16);
        Assert.NotEqual(reference, inBf16);
        Assert.Equal(inBf16, Pixels(bf16));
        Assert.Equal(Precision.Fp32, ComputePrecision.Current);
    }

    [Fact]
    public void ASetCyclesAShortListAndSaysWhichValidationPromptsRepeatRlTexts()
    {
        var splits = new ShapesSplits(new ShapesSplitConfig { TestPromptsPerFamily = 2, ValidationPromptsPerFamily = 3 });
        var evaluator = new ShapesHeldOutEvaluator(splits);
        var prompts = evaluator.Prompts(HeldOutSet.Compositional, 5).Where(p => p.Family == TaskFamily.Colors)
            .Select(p => p.Prompt).ToList();
        var test = splits.TestPrompts(TaskFamily.Colors).Select(s => s.ToText()).ToList();
        Assert.Equal([test[0], test[1], test[0], test[1], test[0]], prompts);
        using var pipeline = Tiny();
        var report = evaluator.Evaluate(pipeline, new EvalConfig { PromptsPerFamily = 3, Steps = 1 }, 0, _dir);
        // two_object's 12 texts: 2 test texts, RL avoids them (10 left), so validation has none to spare and repeats RL's
        var inDist = report.Of(HeldOutSet.InDistribution)!;
        Assert.Equal(new Dictionary<string, int>
        {
            ["single_object"] = 0, ["colors"] = 0, ["two_object"] = 3, ["color_attr"] = 0, ["counting"] = 0, ["position"] = 0
        }, inDist.SharedWithRl);
        Assert.Equal("same texts as RL prompts, other seeds (too few distinct prompts to split): two_object 3/3", inDist.Note());
        // with 2 test texts per family RL can avoid every one of them: compositional shares none, and says nothing
        var compositional = report.Of(HeldOutSet.Compositional)!;
        Assert.Equal(new Dictionary<string, int>
        {
            ["single_object"] = 0, ["colors"] = 0, ["two_object"] = 0, ["color_attr"] = 0, ["counting"] = 0, ["position"] = 0
        }, compositional.SharedWithRl);
        Assert.Null(compositional.Note());
    }

    [Fact]
    public void OnTheDefaultSplitBothSetsSayWhichPromptsAreRlTexts()
    {
        // 32 test texts per family: single_object (72 texts) and counting (84) have too few left over for validation, and
        // two_object (12) is all test, RL and validation texts at once, so its compositional prompts are RL texts too
        var evaluator = new ShapesHeldOutEvaluator(new ShapesSplits());
        SetEvaluation Of(HeldOutSet set)
        {
            IReadOnlyList<SampleOutcome> outcomes =
                [.. evaluator.Prompts(set, 64).Select(p => new SampleOutcome(p.Family.Name(), p.Prompt, false, 0))];
            return new SetEvaluation(set, outcomes, sharedWithRl: evaluator.SharedWithRl(outcomes));
        }
        var inDist = Of(HeldOutSet.InDistribution);
        Assert.Equal(new Dictionary<string, int>
        {
            ["single_object"] = 64, ["colors"] = 0, ["two_object"] = 64, ["color_attr"] = 0, ["counting"] = 64, ["position"] = 0
        }, inDist.SharedWithRl);
        Assert.Equal("same texts as RL prompts, other seeds (too few distinct prompts to split): single_object 64/64, two_object " +
            "64/64, counting 64/64", inDist.Note());
        var compositional = Of(HeldOutSet.Compositional);
        Assert.Equal(new Dictionary<string, int>
        {
            ["single_object"] = 0, ["colors"] = 0, ["two_object"] = 64, ["color_attr"] = 0, ["counting"] = 0, ["position"] = 0
        }, compositional.SharedWithRl);
        Assert.Equal("same texts as RL prompts, other seeds (too few distinct prompts to split): two_object 64/64", compositional.Note());
        // a stored evaluation without counts gets them from its prompts
        var stored = new EvaluationReport(0, [new SetEvaluation(HeldOutSet.Compositional, compositional.Outcomes)], 1) { Cached = true };
        var counted = evaluator.WithSharedCounts(stored);
        Assert.True(counted.Cached);
        Assert.Equal(compositional.SharedWithRl, counted.Primary.SharedWithRl);
    }

    [Fact]
    public void UnpairedEvaluationsAreRefusedWithTheReason()
    {
        var a = new SetEvaluation(HeldOutSet.Compositional,
            [new("colors", "a red circle", true, 1), new("colors", "a blue square", false, 0.5)]);
        var shorter = new SetEvaluation(HeldOutSet.Compositional, [new("colors", "a red circle", true, 1)]);
        var otherPrompt =
            new SetEvaluation(HeldOutSet.Compositional, [new("colors", "a red circle", true, 1), new("colors", "a green cross", true, 1)]);
        var otherSet = new SetEvaluation(HeldOutSet.InDistribution, a.Outcomes);
        Assert.Contains("2 and 1 prompts", Assert.Throws<ArgumentException>(() => HeldOutComparison.Between(a, shorter)).Message);
        Assert.Contains("prompt 1 differs", Assert.Throws<ArgumentException>(() => HeldOutComparison.Between(a, otherPrompt)).Message);
        Assert.Contains("in_distribution", Assert.Throws<ArgumentException>(() => HeldOutComparison.Between(a, otherSet)).Message);
        // gained 1 (prompt 1), lost 0: +50 points, McNemar p = 2 · 0.5 = 1
        var better =
            new SetEvaluation(HeldOutSet.Compositional, [new("colors", "a red circle", true, 1), new("colors", "a blue square", true, 1)]);
        var c = HeldOutComparison.Between(a, better);
        Assert.Equal((0.5, 1.0, 0.5, 1, 0, 1.0),
            (c.Overall.Before, c.Overall.After, c.Overall.Change, c.Overall.Gained, c.Overall.Lost, c.Overall.PValue));
        Assert.Equal(0.25, c.Partial.Mean, 12);
        // the overall SD of a set: the mean of independent families, sqrt(Σ p(1 − p)/n) / F
        var two = new SetEvaluation(HeldOutSet.Compositional,
            [new("colors", "x", true, 1), new("colors", "y", false, 0), new("counting", "z", true, 1), new("counting", "w", true, 1)]);
        Assert.Equal(0.75, two.OverallStrict, 12);
        Assert.Equal(Math.Sqrt(0.25 / 2 + 0) / 2, two.OverallStrictSd, 12);
        // per family: the rate, its binomial SD (colors √(0.25/2) = 35 points) and its n
        Assert.Equal("colors 50 % ± 35 (n 2), counting 100 % ± 0 (n 2)", two.FamilyLine());
    }

    [Fact]
    public void TheFailureBreakdownAccountsForEveryFailedPromptAndTheModelCardShowsIt()
    {
        using var pipeline = Tiny();
        var evaluator = new ShapesHeldOutEvaluator(new ShapesSplits(new ShapesSplitConfig()));
        var eval = new EvalConfig { PromptsPerFamily = 2, Steps = 2, BatchSize = 6 };

        var report = evaluator.Evaluate(pipeline, eval, step: 0, _dir).Primary;
        Assert.NotNull(report.Failures);
        Assert.Equal(report.Strict.Keys, report.Failures!.Keys);
        foreach (var (family, f) in report.Failures)
        {
            Assert.Equal(2, f.Results);
            Assert.Equal(f.Results * (1 - report.Strict[family]), f.Failed, 9);
            // every failed prompt has at least one reason, and no reason counts more prompts than failed
            Assert.True(f.Failed == 0 || f.Reasons.Values.Sum() >= f.Failed,
                $"{family}: {f.Failed} failed, reasons {string.Join(", ", f.Reasons)}");
            Assert.All(f.Reasons.Values, n => Assert.InRange(n, 1, f.Failed));
            Assert.All(f.Reasons.Keys, r => Assert.Contains(r, FailureReasons.All));
        }

        // per prompt: a reason exactly when the prompt failed
        foreach (var s in evaluator.Run(pipeline, eval, evaluator.Prompts(HeldOutSet.InDistribution, 2), 0))
            Assert.Equal(!s.Result.Pass, FailureReasons.Of(s.Result).Count > 0);

        Assert.True(report.Failures.Values.Sum(f => f.Failed) > 0, "an untrained model should fail some prompts");
        var pretrain = new PretrainConfig { Eval = eval };
        ModelCard.Write(_dir, pretrain, pipeline.Model.ParameterCount(), evaluator.Evaluate(pipeline, eval, 0, _dir),
            trainSeconds: 1, gridFile: null);
        var card = File.ReadAllText(Path.Combine(_dir, ModelCard.FileName));
        Assert.Contains("Why held-out prompts failed", card);
        Assert.Contains("### in_distribution (n = 12)", card);
        Assert.Contains("### compositional (n = 12)", card);
        var single = report.Failures["single_object"];
        Assert.Contains($"| single_object | {single.Failed} / {single.Results} |", card);
    }
}
