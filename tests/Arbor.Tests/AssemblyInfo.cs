// Tests read the process-wide live-tensor count, so they must not run concurrently with each other.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]

namespace Arbor.Tests;

internal static class TestEnvironment
{
    /// <summary>Runs keep their base evaluations in a cache of this test run's own, never the user's.</summary>
    [System.Runtime.CompilerServices.ModuleInitializer]
    internal static void IsolateTheEvaluationCache() =>
        Environment.SetEnvironmentVariable("ARBOR_CACHE", Path.Combine(Path.GetTempPath(), "arbor-test-cache-" + Environment.ProcessId));
}
