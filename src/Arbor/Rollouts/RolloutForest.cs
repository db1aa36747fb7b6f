using Arbor.Imaging;

namespace Arbor.Rollouts;

/// <summary>Per-iteration accounting, with the same meaning for every strategy (ALGORITHMS.md §7).</summary>
public sealed record RolloutStats(long ModelForwards, long NodeEvaluations, int Leaves, int TrainedEdges, double Seconds);

/// <summary>Every rollout tree of one iteration: all prompts, all trees, their nodes and edges.</summary>
public sealed class RolloutForest : IDisposable
{
    private readonly List<RolloutNode> _nodes = new();

    internal RolloutForest(IReadOnlyList<string> prompts, int steps)
    {
        Prompts = prompts;
        Steps = steps;
    }

    public IReadOnlyList<string> Prompts { get; }

    /// <summary>
    /// The iteration's index of this forest's prompt 0: 0 in one process; in data-parallel training, the first of this
    /// rank's share. A prompt's global index keys every random draw made for it after the rollout (reward shuffle,
    /// training times and noise), so the ranks together draw what one process does.
    /// </summary>
    public int FirstPrompt { get; set; }

    /// <summary>The iteration's index of local prompt <paramref name="prompt"/>.</summary>
    public int GlobalPrompt(int prompt) => FirstPrompt + prompt;
    public int Steps { get; }
    public IReadOnlyList<RolloutNode> Nodes => _nodes;
    /// <summary>Final samples, in creation order (grouped by prompt and tree).</summary>
    public IReadOnlyList<RolloutNode> Leaves => _nodes.Where(n => n.Step == Steps).ToList();
    public IEnumerable<RolloutEdge> Edges => _nodes.Where(n => n.Incoming is not null).Select(n => n.Incoming!);
    public IEnumerable<RolloutEdge> TrainedEdges => Edges.Where(e => e.Trained);
    /// <summary>The leaves' images (set by the engine, in <see cref="Leaves"/> order).</summary>
    public IReadOnlyList<Image8> Images { get; internal set; } = [];
    public RolloutStats Stats { get; internal set; } = new(0, 0, 0, 0, 0);

    /// <summary>
    /// A value for every node, computed bottom-up (post-order): <paramref name="value"/> gets the node and the values
    /// already computed, which include those of all its children. Entries are in reverse creation order.
    /// </summary>
    public Dictionary<RolloutNode, T> BottomUp<T>(Func<RolloutNode, IReadOnlyDictionary<RolloutNode, T>, T> value) =>
        BottomUp(_nodes, value);

    /// <summary>
    /// <see cref="BottomUp{T}(Func{RolloutNode, IReadOnlyDictionary{RolloutNode, T}, T})"/> over some of a forest's
    /// nodes, in creation order and closed under children (e.g. one tree's).
    /// </summary>
    public static Dictionary<RolloutNode, T> BottomUp<T>(IReadOnlyList<RolloutNode> nodes,
        Func<RolloutNode, IReadOnlyDictionary<RolloutNode, T>, T> value)
    {
        var values = new Dictionary<RolloutNode, T>(nodes.Count);
        // children are created after their parents, so reverse creation order visits children first
        for (int i = nodes.Count - 1; i >= 0; i--) values[nodes[i]] = value(nodes[i], values);
        return values;
    }

    internal RolloutNode Add(int prompt, int tree, int step, int depth, RolloutEdge? incoming)
    {
        var node = new RolloutNode(_nodes.Count, prompt, tree, step, depth, incoming);
        if (incoming is not null)
        {
            incoming.To = node;
            incoming.From.AddChild(incoming);
        }
        _nodes.Add(node);
        return node;
    }

    public void Dispose()
    {
        foreach (var n in _nodes) n.ReleaseState();
    }
}
