using Arbor.Evaluation;
using Arbor.Pipelines;
using Arbor.Pretraining;
using Arbor.Shapes;
using Arbor.Tensors;
using Arbor.Text;

namespace Arbor.Tests.Evaluation;

public sealed class ShapesHeldOutEvaluatorTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "arbor-heldout-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void TheFailureBreakdownAccountsForEveryFailedPromptAndTheModelCardShowsIt()
    {
        var tokenizer = new WordTokenizer(ShapesVocabulary.Words);
        var config = Models.FlowDiTTests.Tiny with
        {
            ImageSize = 16, PatchSize = 4,
            Text = Models.FlowDiTTests.Tiny.Text with { VocabSize = tokenizer.VocabSize, MaxTokens = 16 },
        };
        using var gen = new Generator(3);
        using var pipeline = TextToImagePipeline.Create(config, tokenizer, gen);
        var evaluator = new ShapesHeldOutEvaluator(new ShapesSplits(new ShapesSplitConfig())) { BatchSize = 6 };
        var eval = new EvalConfig { PromptsPerFamily = 2, Steps = 2 };

        var report = evaluator.Evaluate(pipeline, eval, step: 0, _dir);
        Assert.NotNull(report.Failures);
        Assert.Equal(report.Strict.Keys, report.Failures!.Keys);
        foreach (var (family, f) in report.Failures)
        {
            Assert.Equal(2, f.Results);
            Assert.Equal(f.Results * (1 - report.Strict[family]), f.Failed, 9);
            // every failed prompt has at least one reason, and no reason counts more prompts than failed
            Assert.True(f.Failed == 0 || f.Reasons.Values.Sum() >= f.Failed, $"{family}: {f.Failed} failed, reasons {string.Join(", ", f.Reasons)}");
            Assert.All(f.Reasons.Values, n => Assert.InRange(n, 1, f.Failed));
            Assert.All(f.Reasons.Keys, r => Assert.Contains(r, FailureReasons.All));
        }

        // per prompt: a reason exactly when the prompt failed
        foreach (var s in evaluator.Run(pipeline, eval))
            Assert.Equal(!s.Result.Pass, FailureReasons.Of(s.Result).Count > 0);

        Assert.True(report.Failures.Values.Sum(f => f.Failed) > 0, "an untrained model should fail some prompts");
        var pretrain = new PretrainConfig { Eval = eval };
        ModelCard.Write(_dir, pretrain, pipeline.Model.ParameterCount(), report, trainSeconds: 1, gridFile: null);
        var card = File.ReadAllText(Path.Combine(_dir, ModelCard.FileName));
        Assert.Contains("Why held-out prompts failed", card);
        var single = report.Failures["single_object"];
        Assert.Contains($"| single_object | {single.Failed} / {single.Results} |", card);
    }
}
