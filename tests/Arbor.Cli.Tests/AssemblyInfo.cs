[assembly: Xunit.v3.Parallelization(Mode = Xunit.Sdk.ParallelMode.None)]
