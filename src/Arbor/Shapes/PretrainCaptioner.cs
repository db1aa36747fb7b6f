namespace Arbor.Shapes;

/// <summary>
/// Generates pretraining examples (scene + caption) from a <see cref="PretrainMixture"/>, deterministically:
/// example <c>i</c> depends only on (seed, i). For each example it picks a family by weight, draws a
/// complete prompt of that family that the <c>admit</c> filter accepts (the train split, see
/// <see cref="ShapesSplits.Captioner"/>), samples the scene for it, then derives the caption by removing
/// information: with <see cref="PretrainMixture.OmitObject"/> a two-object caption keeps one object,
/// with <see cref="PretrainMixture.OmitColor"/> a compositional caption loses a color, and with
/// <see cref="PretrainMixture.ExtraObject"/> a one-clause scene gets an unmentioned object of another
/// shape. Removing information cannot create a held-out combination, so captions stay in the train
/// split; images may still show held-out combinations under captions that do not name them (a red
/// circle captioned "a circle"), which is what makes the held-out prompts learnable by composition.
/// </summary>
public sealed class PretrainCaptioner
{
    private const ulong ExampleStream = 0x5045_5254;   // "PERT": keeps example streams apart from other users of the seed
    private readonly PromptGrammar _grammar;
    private readonly SceneSampler _sampler;
    private readonly Func<PromptSpec, bool> _admit;
    private readonly double[] _weights;

    /// <param name="mixture">The caption distribution (defaults: <see cref="PretrainMixture"/>).</param>
    /// <param name="layout">Scene layout, including the canvas size.</param>
    /// <param name="seed">Seed of the whole data set.</param>
    /// <param name="admit">Which complete prompts may be drawn (all when null).</param>
    public PretrainCaptioner(PretrainMixture? mixture = null, SceneLayout? layout = null, ulong seed = 0,
        Func<PromptSpec, bool>? admit = null)
    {
        Mixture = mixture ?? new PretrainMixture();
        var problems = Mixture.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException("invalid pretraining mixture: " + string.Join("; ", problems), nameof(mixture));
        _grammar = new PromptGrammar(Mixture.Grammar);
        _sampler = new SceneSampler(layout);
        _admit = admit ?? (_ => true);
        _weights = [.. TaskFamilies.All.Select(Mixture.Weight)];
        Seed = seed;
    }

    public PretrainMixture Mixture { get; }

    public SceneLayout Layout => _sampler.Layout;

    public ulong Seed { get; }

    /// <summary>Example <paramref name="index"/> of the data set (the same for the same seed, on every machine).</summary>
    public CaptionedScene Sample(long index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        return Sample(ShapesRng.Derive(Seed, ExampleStream, (ulong)index));
    }

    /// <summary>An example drawn from <paramref name="rng"/>.</summary>
    public CaptionedScene Sample(ShapesRng rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        var family = TaskFamilies.All[rng.PickWeighted(_weights)];
        var described = _grammar.Sample(family, rng, _admit);

        var clauses = described.Clauses.ToList();
        var relation = described.Relation;
        if (clauses.Count == 2 && rng.Chance(Mixture.OmitObject))
        {
            clauses = [clauses[rng.NextInt(2)]];
            relation = null;
        }

        if (family is TaskFamily.ColorAttr or TaskFamily.Counting or TaskFamily.Position)
        {
            for (int i = 0; i < clauses.Count; i++)
            {
                if (clauses[i].Color is not null && rng.Chance(Mixture.OmitColor)) clauses[i] = clauses[i] with { Color = null };
            }
        }

        int extra = described.Clauses.Count == 1 && rng.Chance(Mixture.ExtraObject) ? 1 : 0;
        var caption = new PromptSpec(clauses, relation);
        var scene = _sampler.Sample(described, rng, extra);
        return new CaptionedScene(scene, caption, described, extra);
    }
}
