using System.Reflection;
using Arbor.Configuration;

namespace Arbor.Cli.Tests;

public class CliErrorReportTests
{
    static Exception Thrown(Func<object> action)
    {
        try { action(); }
        catch (Exception ex) { return ex; }
        throw new InvalidOperationException("expected the action to throw");
    }

    [Fact]
    public void AnArborErrorIsOneLineWithoutATrace()
    {
        var ex = Thrown(() => throw new ConfigException("config file '/nonexistent.yaml' not found"));

        Assert.Equal("error: config file '/nonexistent.yaml' not found", CliErrorReport.Format(ex, showTrace: false));
    }

    [Fact]
    public void InnerCausesOfAForeignErrorAreListedOnceEach()
    {
        var io = new IOException("No space left on device");
        var ex = Thrown(() => throw new InvalidDataException("checkpoint runs/a/checkpoint.bin could not be written", io));

        Assert.Equal("error: checkpoint runs/a/checkpoint.bin could not be written\n  because: No space left on device",
            CliErrorReport.Format(ex, showTrace: false));
    }

    [Fact]
    public void AnInnerMessageAlreadyInTheOuterOneIsNotRepeated()
    {
        var inner = new HttpRequestException("Connection refused (127.0.0.1:9)");
        var ex = new InvalidOperationException("reward batch failed: Connection refused (127.0.0.1:9)", inner);

        Assert.Equal("error: reward batch failed: Connection refused (127.0.0.1:9)", CliErrorReport.Format(ex, showTrace: false));
    }

    [Fact]
    public void ArborsOwnErrorsAlreadyStateTheirCause()
    {
        var yaml = new FormatException("Exception during deserialization");
        var ex = new ConfigException("configs/x.yaml line 3: invalid value 'fast' for key 'learning_rate'", yaml);

        Assert.Equal("error: configs/x.yaml line 3: invalid value 'fast' for key 'learning_rate'",
            CliErrorReport.Format(ex, showTrace: false));
    }

    [Fact]
    public void ABugKeepsItsTraceAndSaysItIsABug()
    {
        var ex = Thrown(() => ((string)null!).Length);

        var report = CliErrorReport.Format(ex, showTrace: false);

        Assert.StartsWith("error: ", report);
        Assert.Contains("This is a bug in Arbor", report);
        Assert.Contains(nameof(ABugKeepsItsTraceAndSaysItIsABug), report);   // a frame of the trace
    }

    [Fact]
    public void TheTraceIsShownOnRequest()
    {
        var ex = Thrown(() => throw new ConfigException("bad"));

        var report = CliErrorReport.Format(ex, showTrace: true);

        Assert.StartsWith("error: bad\n\n", report);
        Assert.Contains(nameof(TheTraceIsShownOnRequest), report);
        Assert.DoesNotContain("bug", report);
    }

    [Fact]
    public void WrappersThatOnlyRelayAnErrorAreLookedThrough()
    {
        var ex = new TargetInvocationException(new AggregateException(new ConfigException("unknown key 'lr' in optim")));

        Assert.Equal("error: unknown key 'lr' in optim", CliErrorReport.Format(ex, showTrace: false));
    }
}
