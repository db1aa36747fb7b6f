// Tests read the process-wide live-tensor count, so they must not run concurrently with each other.
[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
