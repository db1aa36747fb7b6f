using System.Diagnostics;

namespace Arbor.Cli.Tests;

/// <summary>The real `arbor` process, as the tests that run it start and wait for it.</summary>
internal static class ArborProcess
{
    /// <summary>`dotnet arbor.dll ARGS` from this test assembly's build output, with both output streams captured.</summary>
    public static ProcessStartInfo ArborCommand(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "arbor.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        return start;
    }

    /// <summary>Runs to the end: exit code, stdout, stderr; killed (with its children) and a TimeoutException past the limit.</summary>
    public static async Task<(int Code, string Out, string Err)> RunAsync(ProcessStartInfo start, int timeoutSeconds = 180)
    {
        using var p = Process.Start(start)!;
        var (o, e) = (p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync());
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try { await p.WaitForExitAsync(cts.Token); }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true); throw new TimeoutException($"{string.Join(' ', start.ArgumentList)} ran " +
                $"past {timeoutSeconds} s");
        }
        return (p.ExitCode, await o, await e);
    }

    /// <summary><see cref="RunAsync"/> for synchronous tests.</summary>
    public static (int Code, string Out, string Err) Run(ProcessStartInfo start, int timeoutSeconds = 180) =>
        RunAsync(start, timeoutSeconds).GetAwaiter().GetResult();
}
