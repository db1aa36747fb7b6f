namespace Arbor.Shapes;

/// <summary>A color bound to a shape ("red circle").</summary>
public readonly record struct ColorShape(ShapeColor Color, ShapeKind Shape)
{
    public override string ToString() => $"{ShapesVocabulary.Word(Color)} {ShapesVocabulary.Word(Shape)}";
}

/// <summary>An unordered pair of different shapes (stored with <see cref="A"/> &lt; <see cref="B"/>).</summary>
public readonly record struct ShapePair
{
    public ShapePair(ShapeKind a, ShapeKind b)
    {
        if (a == b) throw new ArgumentException("a shape pair needs two different shapes");
        (A, B) = a < b ? (a, b) : (b, a);
    }

    public ShapeKind A { get; }

    public ShapeKind B { get; }

    public override string ToString() => $"{ShapesVocabulary.Word(A)}-{ShapesVocabulary.Word(B)}";
}

/// <summary>
/// The train/test split of the Shapes world, fixed by <see cref="ShapesSplitConfig.Seed"/>. Some color-shape
/// pairs and some position shape pairs are held out: no pretraining caption and no RL prompt contains
/// them, and the test prompts of colors and color_attr (one held-out pair at least) and of position (a
/// held-out shape pair) are made of them, so evaluation measures composition the model never saw
/// captioned. The other families' test prompts are drawn from the whole grammar, and their RL prompts
/// avoid the test prompts' texts when the family has enough distinct prompts (two_object, with 12, cannot).
/// </summary>
public sealed class ShapesSplits
{
    private const ulong HeldOutStream = 1, TestStream = 2, RlStream = 3, PretrainStream = 4, ValidationStream = 5;
    private readonly HashSet<ColorShape> _heldOutColorShapes;
    private readonly HashSet<ShapePair> _heldOutPairs;
    private readonly Dictionary<TaskFamily, IReadOnlyList<PromptSpec>> _test = [];
    private readonly Dictionary<TaskFamily, IReadOnlyList<PromptSpec>> _rl = [];
    private readonly Dictionary<TaskFamily, IReadOnlyList<PromptSpec>> _validation = [];
    private readonly Dictionary<TaskFamily, int> _validationSharedWithRl = [];
    private readonly PromptGrammar _grammar;

    public ShapesSplits(ShapesSplitConfig? config = null)
    {
        Config = config ?? new ShapesSplitConfig();
        var problems = Config.Problems().ToList();
        if (problems.Count > 0) throw new ArgumentException("invalid split config: " + string.Join("; ", problems), nameof(config));
        _grammar = new PromptGrammar(Config.Grammar);
        _heldOutColorShapes = ChooseColorShapes(ShapesRng.Derive(Config.Seed, HeldOutStream, 0), Config.HeldOutColorShapes);
        _heldOutPairs = ChoosePositionPairs(ShapesRng.Derive(Config.Seed, HeldOutStream, 1), Config.HeldOutPositionPairs);
        foreach (var family in TaskFamilies.All)
        {
            var test = Draw(family, Config.TestPromptsPerFamily, TestConstraint(family),
                ShapesRng.Derive(Config.Seed, TestStream, (ulong)family));
            _test[family] = test;
            var testTexts = test.Select(s => s.ToText()).ToHashSet(StringComparer.Ordinal);
            var rlRng = ShapesRng.Derive(Config.Seed, RlStream, (ulong)family);
            var rl = TryDraw(family, Config.RlPromptsPerFamily, s => IsTrain(s) && !testTexts.Contains(s.ToText()), rlRng)
                     ?? Draw(family, Config.RlPromptsPerFamily, IsTrain, rlRng);
            _rl[family] = rl;
            (_validation[family], _validationSharedWithRl[family]) = DrawValidation(family, testTexts, rl);
        }
    }

    public ShapesSplitConfig Config { get; }

    /// <summary>Color-shape pairs that no pretraining caption or RL prompt binds.</summary>
    public IReadOnlySet<ColorShape> HeldOutColorShapes => _heldOutColorShapes;

    /// <summary>Shape pairs that no pretraining caption or RL prompt relates by position.</summary>
    public IReadOnlySet<ShapePair> HeldOutPositionPairs => _heldOutPairs;

    /// <summary>Whether <paramref name="spec"/> binds a held-out color to its shape or relates a held-out shape pair.</summary>
    public bool IsHeldOut(PromptSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Clauses.Any(c => c.Color is { } color && _heldOutColorShapes.Contains(new ColorShape(color, c.Shape)))) return true;
        return spec.Relation is not null && _heldOutPairs.Contains(new ShapePair(spec.Clauses[0].Shape, spec.Clauses[1].Shape));
    }

    /// <summary>Whether <paramref name="spec"/> may be used for pretraining captions and RL prompts.</summary>
    public bool IsTrain(PromptSpec spec) => !IsHeldOut(spec);

    /// <summary>The fixed test prompts of <paramref name="family"/>
    /// (<see cref="ShapesSplitConfig.TestPromptsPerFamily"/> of them).</summary>
    public IReadOnlyList<PromptSpec> TestPrompts(TaskFamily family) => _test[family];

    /// <summary>The fixed RL training prompts of <paramref name="family"/>, all in the train split.</summary>
    public IReadOnlyList<PromptSpec> RlPrompts(TaskFamily family) => _rl[family];

    /// <summary>
    /// The fixed in-distribution validation prompts of <paramref name="family"/>
    /// (<see cref="ShapesSplitConfig.ValidationPromptsPerFamily"/>
    /// of them): drawn from the train split as the RL prompts are, but never an RL or test text where the family has
    /// texts to spare. Where it has too few (single_object, two_object and counting are small), the RL texts follow,
    /// to be evaluated with other noise seeds than any rollout: <see cref="ValidationSharedWithRl"/> says how many.
    /// </summary>
    public IReadOnlyList<PromptSpec> ValidationPrompts(TaskFamily family) => _validation[family];

    /// <summary>How many of <see cref="ValidationPrompts"/>' entries repeat an RL prompt's text (evaluated with other seeds).</summary>
    public int ValidationSharedWithRl(TaskFamily family) => _validationSharedWithRl[family];

    /// <summary>Every family's test prompts, in <see cref="TaskFamilies.All"/> order.</summary>
    public IReadOnlyList<PromptSpec> AllTestPrompts => [.. TaskFamilies.All.SelectMany(TestPrompts)];

    /// <summary>Every family's RL prompts, in <see cref="TaskFamilies.All"/> order.</summary>
    public IReadOnlyList<PromptSpec> AllRlPrompts => [.. TaskFamilies.All.SelectMany(RlPrompts)];

    /// <summary>The pretraining data restricted to the train split: captions never contain a held-out combination.</summary>
    public PretrainCaptioner Captioner(PretrainMixture? mixture = null, SceneLayout? layout = null) =>
        new(mixture, layout, ShapesRng.Hash(Config.Seed, PretrainStream), IsTrain);

    /// <summary>What the test prompts of <paramref name="family"/> must contain.</summary>
    private Func<PromptSpec, bool> TestConstraint(TaskFamily family) => family switch
    {
        TaskFamily.Colors or TaskFamily.ColorAttr when _heldOutColorShapes.Count > 0 =>
            s => s.Clauses.Any(c => c.Color is { } color && _heldOutColorShapes.Contains(new ColorShape(color, c.Shape))),
        TaskFamily.Position when _heldOutPairs.Count > 0 =>
            s => _heldOutPairs.Contains(new ShapePair(s.Clauses[0].Shape, s.Clauses[1].Shape)),
        _ => _ => true,
    };

    /// <summary>
    /// The validation list: the distinct train-split texts that are neither RL nor test prompts, then (when they
    /// are fewer than the list's length) the RL list's distinct texts, the whole cycled to the length.
    /// </summary>
    private (IReadOnlyList<PromptSpec> Prompts, int SharedWithRl) DrawValidation(TaskFamily family, HashSet<string> testTexts,
        IReadOnlyList<PromptSpec> rl)
    {
        int count = Config.ValidationPromptsPerFamily;
        var rlTexts = rl.Select(s => s.ToText()).ToHashSet(StringComparer.Ordinal);
        var spare = TryDraw(family, count, s => IsTrain(s) && !testTexts.Contains(s.ToText()) && !rlTexts.Contains(s.ToText()),
            ShapesRng.Derive(Config.Seed, ValidationStream, (ulong)family)) ?? [];
        var distinct = spare.DistinctBy(s => s.ToText()).ToList();
        var pool = distinct.Count >= count ? distinct : [.. distinct, .. rl.DistinctBy(s => s.ToText())];
        var list = Enumerable.Range(0, count).Select(i => pool[i % pool.Count]).ToList();
        return (list, list.Count(s => rlTexts.Contains(s.ToText())));
    }

    private IReadOnlyList<PromptSpec> Draw(TaskFamily family, int count, Func<PromptSpec, bool> accept, ShapesRng rng) =>
        TryDraw(family, count, accept, rng)
        ?? throw new InvalidOperationException($"no {family.Name()} prompt satisfies the split's constraint");

    /// <summary>
    /// <paramref name="count"/> prompts: as many distinct ones as the family offers (up to the count, found by
    /// sampling), then repeats of them in order; null when no prompt is accepted at all.
    /// </summary>
    private List<PromptSpec>? TryDraw(TaskFamily family, int count, Func<PromptSpec, bool> accept, ShapesRng rng)
    {
        var distinct = new List<PromptSpec>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int budget = Math.Max(2000, count * 200);
        for (int i = 0; i < budget && distinct.Count < count; i++)
        {
            var spec = _grammar.Sample(family, rng);
            if (accept(spec) && seen.Add(spec.ToText())) distinct.Add(spec);
        }

        if (distinct.Count == 0) return null;
        var result = new List<PromptSpec>(distinct);
        for (int i = 0; result.Count < count; i++) result.Add(distinct[i % distinct.Count]);
        return result;
    }

    private static HashSet<ColorShape> ChooseColorShapes(ShapesRng rng, int count)
    {
        var all = ShapePalette.Colors.SelectMany(c => Enum.GetValues<ShapeKind>().Select(s => new ColorShape(c, s))).ToList();
        rng.Shuffle(all);
        var chosen = new HashSet<ColorShape>();
        // First one pair per shape and per color, so held-out pairs are spread out; then more, as long as every
        // shape keeps at least half of its colors and every color at least half of its shapes.
        foreach (var p in all)
        {
            if (chosen.Count == count) break;
            if (chosen.All(q => q.Shape != p.Shape && q.Color != p.Color)) chosen.Add(p);
        }

        foreach (var p in all)
        {
            if (chosen.Count == count) break;
            if (chosen.Contains(p)) continue;
            int shapeLost = chosen.Count(q => q.Shape == p.Shape), colorLost = chosen.Count(q => q.Color == p.Color);
            if (shapeLost + 1 <= ShapePalette.Colors.Count / 2 && colorLost + 1 <= Enum.GetValues<ShapeKind>().Length / 2) chosen.Add(p);
        }

        if (chosen.Count != count)
            throw new InvalidOperationException($"could not hold out {count} color-shape pairs while keeping every color and shape seen");
        return chosen;
    }

    private static HashSet<ShapePair> ChoosePositionPairs(ShapesRng rng, int count)
    {
        var shapes = Enum.GetValues<ShapeKind>();
        var all = new List<ShapePair>();
        for (int i = 0; i < shapes.Length; i++)
        {
            for (int j = i + 1; j < shapes.Length; j++) all.Add(new ShapePair(shapes[i], shapes[j]));
        }

        rng.Shuffle(all);
        var chosen = new HashSet<ShapePair>();
        // Disjoint pairs first; then any pair that leaves both its shapes a seen partner.
        foreach (var p in all)
        {
            if (chosen.Count == count) break;
            if (chosen.All(q => q.A != p.A && q.A != p.B && q.B != p.A && q.B != p.B)) chosen.Add(p);
        }

        foreach (var p in all)
        {
            if (chosen.Count == count) break;
            if (chosen.Contains(p)) continue;
            int lostA = chosen.Count(q => q.A == p.A || q.B == p.A), lostB = chosen.Count(q => q.A == p.B || q.B == p.B);
            if (lostA + 1 < shapes.Length - 1 && lostB + 1 < shapes.Length - 1) chosen.Add(p);
        }

        if (chosen.Count != count)
            throw new InvalidOperationException($"could not hold out {count} position shape pairs while keeping every shape seen");
        return chosen;
    }
}
