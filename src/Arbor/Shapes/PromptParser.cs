using Arbor.Text;

namespace Arbor.Shapes;

/// <summary>
/// Recursive-descent parser of the Shapes grammar (the inverse of <see cref="PromptSpec.ToText"/>):
/// <code>
/// prompt   := clause [ "and" clause | relation clause ]
/// clause   := ("a" | "an" | "two" | "three" | "four") [size] [color] shape [region]
/// relation := "to the left of" | "to the right of" | "above" | "below"
/// region   := "on the left" | "on the right" | "at the top" | "at the bottom" | "in the center"
/// </code>
/// Words are split and lower-cased like the tokenizer does (punctuation , . ; ! ? is ignored). "a"/"an"
/// need a singular noun and number words a plural one. The RL reward receives prompt text, so every
/// failure is a <see cref="PromptParseException"/> that names the word at fault.
/// </summary>
public static class PromptParser
{
    /// <summary>The spec of <paramref name="text"/>.</summary>
    public static PromptSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new Reader(text).ReadPrompt();
    }

    /// <summary>Parses <paramref name="text"/>, or returns false with the error.</summary>
    public static bool TryParse(string text, out PromptSpec? spec, out PromptParseException? error)
    {
        try
        {
            spec = Parse(text);
            error = null;
            return true;
        }
        catch (PromptParseException e)
        {
            spec = null;
            error = e;
            return false;
        }
    }

    private sealed class Reader
    {
        private readonly string _text;
        // the prompt as messages quote it: a user's control bytes never reach the terminal raw
        private readonly string _shown;
        private readonly string[] _words;
        private int _at;

        public Reader(string text)
        {
            _text = text;
            _shown = MessageText.Quote(text);
            _words = ShapesVocabulary.SplitWords(text);
            if (_words.Length == 0)
                throw new PromptParseException($"empty prompt \"{_shown}\": expected an object such as \"a circle\"", text, null, null);
            for (int i = 0; i < _words.Length; i++)
            {
                if (!ShapesVocabulary.Contains(_words[i]))
                {
                    throw new PromptParseException(
                        $"unknown word '{MessageText.Quote(_words[i])}' (word {i + 1}) in prompt \"{_shown}\": the Shapes vocabulary has " +
                        $"only {ShapesVocabulary.Words.Count} words " +
                        "(shapes circle/square/triangle/cross, colors red/green/blue/yellow/purple/cyan, sizes small/large, " +
                        "counts a/two/three/four, " +
                        "relations and regions)", text, _words[i], i);
                }
            }
        }

        public PromptSpec ReadPrompt()
        {
            var first = ReadClause();
            if (AtEnd) return Build([first], null);

            if (Peek == "and")
            {
                _at++;
                var second = ReadClause();
                ExpectEnd();
                return Build([first, second], null);
            }

            var relation = ReadRelation();
            var other = ReadClause();
            ExpectEnd();
            return Build([first, other], relation);
        }

        private PromptSpec Build(ObjectClause[] clauses, Relation? relation)
        {
            try
            {
                return new PromptSpec(clauses, relation);
            }
            catch (ArgumentException e)
            {
                throw new PromptParseException($"prompt \"{_shown}\" breaks a rule of the grammar: " +
                    $"{e.Message.Split(" (Parameter")[0]}", _text, null, null, e);
            }
        }

        private ObjectClause ReadClause()
        {
            string det = Next("'a' or a number (two, three, four)");
            if (!ShapesVocabulary.TryCount(det, out int count)) throw Unexpected(det, "'a' or a number (two, three, four)");

            SizeClass? size = null;
            ShapeColor? color = null;
            if (!AtEnd && ShapesVocabulary.TrySize(Peek, out var s)) { size = s; _at++; }
            if (!AtEnd && ShapesVocabulary.TryColor(Peek, out var c)) { color = c; _at++; }

            string noun = Next("a shape (circle, square, triangle, cross)");
            if (!ShapesVocabulary.TryShape(noun, out var shape, out bool plural))
            {
                throw Unexpected(noun, size is null && color is null ? "a size, a color or a shape" : color is null ? "a color or a shape"
                    : "a shape (circle, square, triangle, cross)");
            }
            if (plural != count > 1)
            {
                string need = count > 1 ? $"a plural noun after '{det}' ('{ShapesVocabulary.Word(shape, plural: true)}')"
                    : $"a singular noun after '{det}' ('{ShapesVocabulary.Word(shape)}')";
                throw new PromptParseException($"word '{noun}' (word {_at}) in prompt \"{_shown}\": expected {need}", _text, noun, _at - 1);
            }

            Region? region = null;
            if (!AtEnd && Peek is "on" or "at" or "in") region = ReadRegion();
            return new ObjectClause(shape, color, count, size, region);
        }

        private Region ReadRegion()
        {
            string prep = Next("a region");
            Expect("the");
            string where = Next("a region word");
            return (prep, where) switch
            {
                ("on", "left") => Region.Left,
                ("on", "right") => Region.Right,
                ("at", "top") => Region.Top,
                ("at", "bottom") => Region.Bottom,
                ("in", "center") => Region.Center,
                _ => throw Unexpected(where, prep switch
                {
                    "on" => "'left' or 'right' after 'on the'",
                    "at" => "'top' or 'bottom' after 'at the'",
                    _ => "'center' after 'in the'",
                }),
            };
        }

        private Relation ReadRelation()
        {
            string word = Next("'and' or a relation");
            switch (word)
            {
                case "above": return Relation.Above;
                case "below": return Relation.Below;
                case "to":
                    Expect("the");
                    string side = Next("'left' or 'right'");
                    var relation = side switch
                    {
                        "left" => Relation.LeftOf,
                        "right" => Relation.RightOf,
                        _ => throw Unexpected(side, "'left' or 'right' after 'to the'"),
                    };
                    Expect("of");
                    return relation;
                default:
                    throw Unexpected(word, "'and', a relation (to the left of, to the right of, above, below) or the end of the prompt");
            }
        }

        private bool AtEnd => _at >= _words.Length;

        private string Peek => _words[_at];

        private string Next(string expected)
        {
            if (AtEnd) throw new PromptParseException($"prompt \"{_shown}\" ends early: expected {expected}", _text, null, null);
            return _words[_at++];
        }

        private void Expect(string word)
        {
            string got = Next($"'{word}'");
            if (got != word) throw Unexpected(got, $"'{word}'");
        }

        private void ExpectEnd()
        {
            if (!AtEnd) throw Unexpected(_words[_at++], "the end of the prompt");
        }

        private PromptParseException Unexpected(string word, string expected) =>
            new($"unexpected word '{word}' (word {_at}) in prompt \"{_shown}\": expected {expected}", _text, word, _at - 1);
    }
}
