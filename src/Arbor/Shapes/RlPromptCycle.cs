namespace Arbor.Shapes;

/// <summary>
/// Which RL prompt comes k-th in a run: the families in a fixed cycle where each appears as often as its weight
/// (an RL run's train.family_weights; all 1 = every family in turn), and within a family its RL prompts
/// in order, wrapping. A fixed function of k, so a resumed run draws what an uninterrupted one would.
/// </summary>
public sealed class RlPromptCycle
{
    private readonly List<TaskFamily> _cycle = [];
    private readonly Dictionary<TaskFamily, int> _weights = [];

    public RlPromptCycle(IReadOnlyDictionary<string, int> familyWeights)
    {
        foreach (var family in TaskFamilies.All)
            _weights[family] = familyWeights.TryGetValue(family.Name(), out int w) ? w : 1;
        // interleaved, not blocked: weights {a: 2, b: 1} give a b a, a b a, ... so every iteration mixes families
        int most = _weights.Values.Max();
        for (int round = 0; round < most; round++)
        {
            foreach (var family in TaskFamilies.All)
                if (_weights[family] > round) _cycle.Add(family);
        }
    }

    /// <summary>The family of the k-th prompt and how many prompts of that family came before it.</summary>
    public (TaskFamily Family, long IndexInFamily) At(long k)
    {
        long cycles = k / _cycle.Count;
        int position = (int)(k % _cycle.Count);
        var family = _cycle[position];
        long before = cycles * _weights[family] + _cycle.Take(position).Count(f => f == family);
        return (family, before);
    }

    /// <summary>The problems of a family_weights map: unknown families, negative weights, or none above 0.</summary>
    public static IEnumerable<string> Problems(IReadOnlyDictionary<string, int> familyWeights)
    {
        var known = TaskFamilies.All.Select(f => f.Name()).ToHashSet();
        foreach (var (name, weight) in familyWeights)
        {
            if (!known.Contains(name))
                yield return $"train.family_weights: '{name}' is not a task family (expected {string.Join(", ", known)})";
            else if (weight < 0) yield return $"train.family_weights.{name} must be >= 0 (got {weight})";
        }
        if (TaskFamilies.All.All(f => (familyWeights.TryGetValue(f.Name(), out int w) ? w : 1) <= 0))
            yield return "train.family_weights: at least one family needs a weight above 0";
    }
}
