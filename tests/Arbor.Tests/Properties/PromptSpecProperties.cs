using Arbor.Shapes;
using CsCheck;

namespace Arbor.Tests.Properties;

/// <summary>
/// Properties of the Shapes prompt grammar over every spec its constructor admits (not only those
/// <see cref="PromptGrammar"/> samples): one clause of 1-4 objects with optional size and color, and a region for a
/// single object; or two single objects of different shapes, with optional sizes and colors, joined by "and" or a relation.
/// A failure prints the shrunk spec and its seed; rerun it with <c>seed:</c> or <c>CsCheck_Seed</c>.
/// </summary>
public class PromptSpecProperties
{
    private static readonly Gen<ObjectClause> OneObject =
        Gen.Select(Gen.Enum<ShapeKind>(), Gen.Enum<ShapeColor>().Nullable(), Gen.Enum<SizeClass>().Nullable(),
            (shape, color, size) => new ObjectClause(shape, color, 1, size));

    internal static readonly Gen<PromptSpec> Specs = Gen.OneOf(
        // one clause; a region only for a single object
        Gen.Select(OneObject, Gen.Int[1, ShapesVocabulary.MaxCount], Gen.Enum<Region>().Nullable(),
            (clause, count, region) => new PromptSpec(clause with { Count = count, Region = count == 1 ? region : null })),
        // two clauses of different shapes, with or without a relation
        Gen.Select(OneObject, OneObject, Gen.Int[1, 3], Gen.Enum<Relation>().Nullable(),
            (first, second, shift, relation) => new PromptSpec(first,
                second with
                {
                    Shape = second.Shape == first.Shape ? (ShapeKind)(((int)first.Shape + shift) % 4) : second.Shape
                }, relation)));

    /// <summary>
    /// parse(print(spec)) = spec. A printer and a parser that disagree on a word (a plural, "cross"/"crosses", the order of
    /// size and color, a relation or a region phrase), or a parser that drops an attribute, break it.
    /// </summary>
    [Fact]
    public void ParsingThePrintedTextGivesTheSpecBack() =>
        Specs.Sample(spec => Assert.Equal(spec, PromptParser.Parse(spec.ToText())), iter: 1000, print: s => s.ToText());

    /// <summary>
    /// The parser reads text the way the tokenizer splits it: upper case and the sentence punctuation , . ; ! ? between or
    /// around words do not change the spec. A parser that compares words case-sensitively or splits on spaces only fails it.
    /// </summary>
    [Fact]
    public void CaseAndPunctuationDoNotChangeTheSpec() =>
        Gen.Select(Specs, Gen.Int, Gen.OneOf(Gen.Const(" "), Gen.Const(", "), Gen.Const(" ; "), Gen.Const("  ")),
            Gen.OneOf(Gen.Const(""), Gen.Const("."), Gen.Const("!"), Gen.Const("?")))
            .Sample((spec, seed, separator, end) =>
            {
                var random = new Random(seed);
                var words = spec.ToText().Split(' ').Select(w => random.Next(3) == 0 ? w.ToUpperInvariant() : w);
                string text = string.Join(separator, words) + end;
                Assert.Equal(spec, PromptParser.Parse(text));
            }, iter: 500);
}
