namespace Arbor.Rollouts;

/// <summary>How a strategy turns leaf rewards into per-edge advantages (ALGORITHMS.md §4).</summary>
public enum EdgeAdvantageMode
{
    /// <summary>Flat trajectories: each edge gets its leaf's group advantage.</summary>
    Path,
    /// <summary>TreeGRPO / Dynamic-TreeRPO: leaf advantages backed up the tree with softmax(log π_old) weights.</summary>
    TreeBackup,
    /// <summary>BranchGRPO: path-weighted reward fusion and per-depth standardization.</summary>
    DepthNormalized,
    /// <summary>Forward-process methods: the leaves' group advantages only; no edge is trained, so none is assigned.</summary>
    Leaves,
}
