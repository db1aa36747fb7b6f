using Arbor.Tensors;

namespace Arbor.Rollouts;

/// <summary>
/// A state x at time index <see cref="Step"/> (t = schedule[Step]) of one rollout tree. Roots are at step
/// 0 (pure noise); leaves at step T (images). The state is kept only while something needs it: the
/// frontier, the source of a trained edge, the target of one, or a leaf.
/// </summary>
public sealed class RolloutNode
{
    private readonly List<RolloutEdge> _children = new();

    internal RolloutNode(int id, int prompt, int tree, int step, int depth, RolloutEdge? incoming)
    {
        Id = id;
        Prompt = prompt;
        Tree = tree;
        Step = step;
        Depth = depth;
        Incoming = incoming;
    }

    public int Id { get; }
    /// <summary>Index of the prompt in the iteration's prompt list.</summary>
    public int Prompt { get; }
    /// <summary>Index of the tree among the prompt's trees (its root noise).</summary>
    public int Tree { get; }
    public int Step { get; }
    /// <summary>Branching steps above this node: the tree layer k of Dynamic-TreeRPO's depth noise.</summary>
    public int Depth { get; }
    public RolloutEdge? Incoming { get; }
    public RolloutNode? Parent => Incoming?.From;
    public IReadOnlyList<RolloutEdge> Children => _children;
    public bool IsLeaf => _children.Count == 0;

    /// <summary>The state [C, H, W] (float32, CPU), or null once released.</summary>
    public Tensor? State { get; private set; }

    /// <summary>A leaf's reward after scoring (the aggregated score the advantages use).</summary>
    public double? Reward { get; set; }

    /// <summary>The model's x̂0 at this node (x − t·v for a flow model; when the engine records predictions), for pictures.</summary>
    public Imaging.Image8? Prediction { get; internal set; }

    internal void AddChild(RolloutEdge edge) => _children.Add(edge);

    internal void SetState(Tensor state)
    {
        State?.Dispose();
        State = state.DetachFromScope();
    }

    internal void ReleaseState()
    {
        State?.Dispose();
        State = null;
    }
}

/// <summary>
/// A transition parent → child over one denoising step: what the policy loss trains. It records what
/// the rollout sampled under: the step's noise multiplier and log π_old of the child state.
/// </summary>
public sealed class RolloutEdge
{
    internal RolloutEdge(RolloutNode from, int step, bool stochastic, bool trained, double noiseScale)
    {
        From = from;
        Step = step;
        Stochastic = stochastic;
        Trained = trained;
        NoiseScale = noiseScale;
    }

    public RolloutNode From { get; }
    public RolloutNode To { get; internal set; } = null!;
    /// <summary>The transition t_Step → t_{Step+1}.</summary>
    public int Step { get; }
    public bool Stochastic { get; }
    /// <summary>Whether the policy loss includes this edge (a strategy may
    /// prune it after scoring, e.g. BranchGRPO's width pruning).</summary>
    public bool Trained { get; internal set; }
    /// <summary>Multiplier of the step's noise level σ (Dynamic-TreeRPO's depth noise; 1 otherwise).</summary>
    public double NoiseScale { get; }
    /// <summary>log π_old(To.State | From.State) under the rollout policy (stochastic edges only).</summary>
    public double LogProbOld { get; internal set; }
    /// <summary>The edge's advantage, set by an advantage estimator.</summary>
    public double Advantage { get; set; }
}
