using System.Text.Json;
using Arbor.Evaluation;
using Arbor.Pipelines;
using Arbor.TestKit;
using Arbor.Training;
using Arbor.Worlds;

namespace Arbor.Tests.Training;

/// <summary>The RL trainer takes its prompts and held-out evaluation from whatever world it is given, not Shapes' splits.</summary>
public sealed class RlWorldTests : IDisposable
{
    private readonly TempDirectory _temp = new("arbor-world-");
    public void Dispose() => _temp.Dispose();

    /// <summary>Three prompts, each its own family, served in turn.</summary>
    private sealed class ThreePrompts : IRlPromptSource
    {
        public static readonly string[] Texts = ["a red circle", "three green triangles", "a blue square on the left"];
        public IReadOnlyList<string> Families { get; } = ["first", "second", "third"];

        public RlPrompt At(long k) => new(Texts[k % 3], Families[(int)(k % 3)]);
    }

    /// <summary>Generates nothing: every evaluation passes its first prompt and fails its second, at the step it is asked for.</summary>
    private sealed class FixedVerdicts : IHeldOutEvaluator
    {
        public List<long> Steps { get; } = [];

        public EvaluationReport Evaluate(TextToImagePipeline pipeline, EvalConfig config, long step, string outputDirectory)
        {
            Steps.Add(step);
            SampleOutcome[] outcomes = [new("mine", "a cross", true, 1.0), new("mine", "two crosses", false, 0.25)];
            return new EvaluationReport(step, [new SetEvaluation(HeldOutSet.InDistribution, outcomes)], 0.5);
        }
    }

    [Fact]
    public void AGivenWorldsPromptsAreRolledOutAndItsEvaluationIsLogged()
    {
        var model = GrpoTrainerTests.SaveTinyBaseInto(_temp.Path);
        var config = GrpoTrainerTests.Config(model, 2) with { Eval = new EvalConfig { Every = 1, Steps = 2 } };
        var prompts = new ThreePrompts();
        var evaluator = new FixedVerdicts();
        var run = Path.Combine(_temp.Path, "run");
        var trainer = new GrpoTrainer(config, run, world: new RlWorld(prompts, evaluator));
        trainer.Run(resume: false, cancel: TestContext.Current.CancellationToken);

        // two prompts per iteration: numbers 0, 1 then 2, 3 of the world's sequence
        Assert.Equal([ThreePrompts.Texts[0], ThreePrompts.Texts[1]], trainer.PromptsFor(0));
        Assert.Equal([ThreePrompts.Texts[2], ThreePrompts.Texts[0]], trainer.PromptsFor(1));
        var lines = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        var families = lines.Where(e => e.GetProperty("kind").GetString() == "train")
            .Select(e => string.Join(" ", e.GetProperty("family_rewards").EnumerateObject().Select(p => p.Name))).ToList();
        // each iteration's rewards are reported under the families of the prompts it rolled out, in the world's order
        Assert.Equal(["first second", "first third"], families);

        Assert.Equal([0L, 1, 2], evaluator.Steps);
        var evals = lines.Where(e => e.GetProperty("kind").GetString() == "eval").ToList();
        Assert.Equal([0L, 1, 2], evals.Select(e => e.GetProperty("iteration").GetInt64()));
        foreach (var e in evals)
        {
            var set = e.GetProperty("sets").GetProperty("in_distribution");
            Assert.Equal(0.5, set.GetProperty("overall_strict").GetDouble());
            Assert.Equal(0.625, set.GetProperty("overall_partial").GetDouble());
            Assert.Equal("10", set.GetProperty("pass").GetString());
        }
        Assert.Equal(0.5, trainer.Evaluations[^1].Primary.OverallStrict);
    }
}
