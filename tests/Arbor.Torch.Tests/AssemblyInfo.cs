// Tests read the process-wide live-tensor count, so they must not run concurrently with each other.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
