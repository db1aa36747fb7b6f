using System.Text.Json;
using Arbor.Advantages;
using Arbor.Cli.Output;
using Arbor.Pretraining;
using Arbor.Rollouts;
using Arbor.Training;

namespace Arbor.Cli.Tests;

/// <summary>What `arbor train`, `pretrain` and `demo` print off a terminal: one plain line per iteration, no redraws.</summary>
public class ProgressLinesTests
{
    private static IterationReport Report() => new(11, 0.6312, 0.2, new Dictionary<string, double> { ["shapes.strict"] = 0.4 },
        new AdvantageResult([0.0], [true], 6, 1), new PolicyUpdateStats(0.1, 3e-9, 0.02, 1, 0, 0.07213, 0, 10, 20, 0),
        new RolloutStats(1920, 900, 48, 400, 3.31), 0.07, 6.08, [0.5]);

    [Fact]
    public void AnIterationIsOneLabelledLineWithoutEscapes()
    {
        var line = ProgressLines.Iteration(Report(), 100);
        Assert.Equal("iter 12/100  reward 0.631  strict 40%  zero-var 17%  kl 3.0e-09  clip 2%  grad 0.0721  nfe 1920  " +
            "s/it 9.5 (roll 3.3 / reward 0.1 / train 6.1)", line);
        Assert.DoesNotContain('\u001b', line);
    }

    [Fact]
    public void ATimeBoundedRunCountsIterationsWithoutATotal()
    {
        Assert.StartsWith("iter 12  reward 0.631", ProgressLines.Iteration(Report(), 0));
        var it = JsonDocument.Parse(ProgressLines.IterationJson(Report(), 0)).RootElement;
        Assert.Equal(JsonValueKind.Null, it.GetProperty("iterations").ValueKind);
    }

    [Fact]
    public void TheJsonFormsAreOneObjectPerLine()
    {
        var it = JsonDocument.Parse(ProgressLines.IterationJson(Report(), 100)).RootElement;
        Assert.Equal(12, it.GetProperty("iteration").GetInt32());
        Assert.Equal(0.6312, it.GetProperty("reward").GetDouble());
        Assert.Equal(1920, it.GetProperty("nfe").GetInt64());

        var step = new PretrainStepReport(120, 6000, double.NaN, 3e-4, 0.41, 152.3, true);
        Assert.Equal("step 120/6000  loss NaN  lr 3.0e-04  grad 0.41  152 img/s  skipped (non-finite)", ProgressLines.Step(step));
        var json = JsonDocument.Parse(ProgressLines.StepJson(step)).RootElement;
        Assert.Equal(JsonValueKind.Null, json.GetProperty("loss").ValueKind);   // NaN is not JSON: null, flagged by "skipped"
        Assert.True(json.GetProperty("skipped").GetBoolean());
    }
}
