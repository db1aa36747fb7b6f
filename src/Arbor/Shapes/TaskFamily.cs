namespace Arbor.Shapes;

/// <summary>
/// The GenEval task families. A prompt's family is a function of its structure
/// (<see cref="PromptSpec.Family"/>), so a parsed prompt always lands in the family it was generated for.
/// </summary>
public enum TaskFamily
{
    /// <summary>One object, no color ("a circle", "a small square on the left").</summary>
    SingleObject,

    /// <summary>One object with a color ("a red circle", "a large blue square").</summary>
    Colors,

    /// <summary>Two different shapes, no colors ("a circle and a cross").</summary>
    TwoObject,

    /// <summary>Two different shapes with at least one color bound to its shape ("a red circle and a yellow cross").</summary>
    ColorAttr,

    /// <summary>Two to four objects of one shape ("three green triangles").</summary>
    Counting,

    /// <summary>Two different shapes in a spatial relation ("a purple square to the left of a cyan circle").</summary>
    Position,
}

/// <summary>Names of the task families as they appear in reports and configs (GenEval's tags).</summary>
public static class TaskFamilies
{
    /// <summary>Every family, in report order.</summary>
    public static IReadOnlyList<TaskFamily> All { get; } =
        [TaskFamily.SingleObject, TaskFamily.Colors, TaskFamily.TwoObject, TaskFamily.ColorAttr, TaskFamily.Counting, TaskFamily.Position];

    /// <summary>GenEval's tag: single_object, colors, two_object, color_attr, counting, position.</summary>
    public static string Name(this TaskFamily family) => family switch
    {
        TaskFamily.SingleObject => "single_object",
        TaskFamily.Colors => "colors",
        TaskFamily.TwoObject => "two_object",
        TaskFamily.ColorAttr => "color_attr",
        TaskFamily.Counting => "counting",
        TaskFamily.Position => "position",
        _ => throw new ArgumentOutOfRangeException(nameof(family), family, "unknown task family"),
    };

    /// <summary>The family named <paramref name="name"/> (a tag as written by
    /// <see cref="Name"/>); unknown names are an error listing the known ones.</summary>
    public static TaskFamily Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (var family in All)
        {
            if (family.Name() == name) return family;
        }

        throw new ArgumentException($"unknown task family '{name}' (expected one of " +
            $"{string.Join(", ", All.Select(f => f.Name()))})", nameof(name));
    }
}
