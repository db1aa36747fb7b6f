using Arbor.Shapes;

namespace Arbor.Worlds;

/// <summary>
/// The Shapes world's RL prompts: the split's RL prompts of each family in the order of <see cref="RlPromptCycle"/>
/// (families weighted by train.family_weights, each family's prompts in order, wrapping).
/// </summary>
public sealed class ShapesRlPrompts(ShapesSplits splits, IReadOnlyDictionary<string, int> familyWeights) : IRlPromptSource
{
    private readonly RlPromptCycle _cycle = new(familyWeights);

    public IReadOnlyList<string> Families { get; } = [.. TaskFamilies.All.Select(f => f.Name())];

    public RlPrompt At(long k)
    {
        var (family, index) = _cycle.At(k);
        var list = splits.RlPrompts(family);
        return new RlPrompt(list[(int)(index % list.Count)].ToText(), family.Name());
    }
}
