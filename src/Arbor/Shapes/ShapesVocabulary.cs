namespace Arbor.Shapes;

/// <summary>
/// The closed vocabulary of Shapes prompts and captions, and the words of each attribute. A word-level
/// tokenizer built from <see cref="Words"/> can encode every prompt the grammar, the splits and the
/// pretraining captioner produce (tested), and nothing else needs to be known about the language.
/// </summary>
public static class ShapesVocabulary
{
    /// <summary>Words of the phrases that join clauses and state relations or regions.</summary>
    public static IReadOnlyList<string> FunctionWords { get; } =
        ["a", "an", "and", "the", "of", "to", "on", "at", "in", "left", "right", "above", "below", "top", "bottom", "center"];

    /// <summary>Number words of counting prompts, for counts 2, 3 and 4.</summary>
    public static IReadOnlyList<string> NumberWords { get; } = ["two", "three", "four"];

    /// <summary>Every word that can appear in a prompt, sorted ordinally, without duplicates.</summary>
    public static IReadOnlyList<string> Words { get; } = BuildWords();

    /// <summary>The smallest and largest count a clause can state.</summary>
    public const int MinCount = 1, MaxCount = 4;

    /// <summary>"circle" or, when <paramref name="plural"/>, "circles" ("crosses" for cross).</summary>
    public static string Word(ShapeKind shape, bool plural = false) => (shape, plural) switch
    {
        (ShapeKind.Circle, false) => "circle",
        (ShapeKind.Circle, true) => "circles",
        (ShapeKind.Square, false) => "square",
        (ShapeKind.Square, true) => "squares",
        (ShapeKind.Triangle, false) => "triangle",
        (ShapeKind.Triangle, true) => "triangles",
        (ShapeKind.Cross, false) => "cross",
        (ShapeKind.Cross, true) => "crosses",
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "unknown shape"),
    };

    /// <summary>The color's name ("red").</summary>
    public static string Word(ShapeColor color) => color switch
    {
        ShapeColor.Red => "red",
        ShapeColor.Green => "green",
        ShapeColor.Blue => "blue",
        ShapeColor.Yellow => "yellow",
        ShapeColor.Purple => "purple",
        ShapeColor.Cyan => "cyan",
        _ => throw new ArgumentOutOfRangeException(nameof(color), color, "unknown color"),
    };

    /// <summary>"small" or "large".</summary>
    public static string Word(SizeClass size) => size switch
    {
        SizeClass.Small => "small",
        SizeClass.Large => "large",
        _ => throw new ArgumentOutOfRangeException(nameof(size), size, "unknown size"),
    };

    /// <summary>The determiner of a clause: "a" for one object, else the number word ("two", "three", "four").</summary>
    public static string CountWord(int count) => count switch
    {
        1 => "a",
        2 => "two",
        3 => "three",
        4 => "four",
        _ => throw new ArgumentOutOfRangeException(nameof(count), count, $"counts are {MinCount} to {MaxCount}"),
    };

    /// <summary>The phrase after an object in a region: "on the left", "at the top", "in the center".</summary>
    public static string Phrase(Region region) => region switch
    {
        Region.Left => "on the left",
        Region.Right => "on the right",
        Region.Top => "at the top",
        Region.Bottom => "at the bottom",
        Region.Center => "in the center",
        _ => throw new ArgumentOutOfRangeException(nameof(region), region, "unknown region"),
    };

    /// <summary>The phrase between the two objects of a position prompt: "to the left of", "above", ...</summary>
    public static string Phrase(Relation relation) => relation switch
    {
        Relation.LeftOf => "to the left of",
        Relation.RightOf => "to the right of",
        Relation.Above => "above",
        Relation.Below => "below",
        _ => throw new ArgumentOutOfRangeException(nameof(relation), relation, "unknown relation"),
    };

    /// <summary>The shape a (singular or plural) noun names, or false.</summary>
    public static bool TryShape(string word, out ShapeKind shape, out bool plural)
    {
        foreach (var s in Enum.GetValues<ShapeKind>())
        {
            if (word == Word(s)) { shape = s; plural = false; return true; }
            if (word == Word(s, plural: true)) { shape = s; plural = true; return true; }
        }

        shape = default;
        plural = false;
        return false;
    }

    /// <summary>The color a word names, or false.</summary>
    public static bool TryColor(string word, out ShapeColor color)
    {
        foreach (var c in ShapePalette.Colors)
        {
            if (word == Word(c)) { color = c; return true; }
        }

        color = default;
        return false;
    }

    /// <summary>The size a word names, or false.</summary>
    public static bool TrySize(string word, out SizeClass size)
    {
        foreach (var s in Enum.GetValues<SizeClass>())
        {
            if (word == Word(s)) { size = s; return true; }
        }

        size = default;
        return false;
    }

    /// <summary>The count a determiner states ("a" and "an" are 1), or false.</summary>
    public static bool TryCount(string word, out int count)
    {
        count = word switch
        {
            "a" or "an" => 1,
            "two" => 2,
            "three" => 3,
            "four" => 4,
            _ => 0,
        };
        return count != 0;
    }

    /// <summary>Whether <paramref name="word"/> (already lower-case) is in the vocabulary.</summary>
    public static bool Contains(string word) => WordSet.Contains(word);

    /// <summary>
    /// Splits text into words the way <c>Arbor.Text.WordTokenizer.SplitWords</c> does: lower-cased, split on
    /// whitespace and the sentence punctuation , . ; ! ?
    /// </summary>
    public static string[] SplitWords(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.ToLowerInvariant().Split([' ', '\t', '\n', '\r', ',', '.', ';', '!', '?'], StringSplitOptions.RemoveEmptyEntries);
    }

    private static readonly HashSet<string> WordSet = new(BuildWords(), StringComparer.Ordinal);

    private static string[] BuildWords()
    {
        var words = new List<string>(FunctionWords);
        words.AddRange(NumberWords);
        words.AddRange(Enum.GetValues<SizeClass>().Select(s => Word(s)));
        words.AddRange(ShapePalette.Colors.Select(c => Word(c)));
        foreach (var s in Enum.GetValues<ShapeKind>())
        {
            words.Add(Word(s));
            words.Add(Word(s, plural: true));
        }

        return [.. words.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
    }
}
