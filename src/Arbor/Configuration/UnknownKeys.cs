using System.Collections;
using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;

namespace Arbor.Configuration;

/// <summary>
/// Finds the first key of a YAML document that is not a setting of the config record it will be read into, by walking
/// the node tree against the record's properties (named as the deserializer names them) before deserializing. So the
/// error can name the key, its line, the section it sits in and the closest valid key from the structure itself,
/// instead of recovering them from the text of YamlDotNet's exception message, which changes between versions.
/// </summary>
public static class UnknownKeys
{
    /// <summary>A key that is not a setting: where it is, which section and record it sits in, and the nearest valid key.</summary>
    /// <param name="Section">The dotted path of the mapping holding the key (<c>reward.remote</c>); empty at the top level.</param>
    public sealed record Found(string Key, Mark Start, string Section, Type Record, string? Suggestion)
    {
        public string Describe() =>
            $"unknown key '{Key}' {(Section.Length == 0 ? "at the top level" : $"in section '{Section}'")} " +
            $"(not a setting of {Record.Name}{(Suggestion is null ? "" : $"; did you mean '{Suggestion}'?")})";
    }

    /// <summary>The first unknown key of <paramref name="root"/> read as
    /// <paramref name="record"/>, in document order; null when every key is a setting.</summary>
    public static Found? First(YamlNode root, Type record, INamingConvention naming) => Walk(root, record, "", naming);

    /// <summary>
    /// The settings of <paramref name="record"/> by YAML name, in declaration order: what the deserializer can set
    /// (public instance properties with a public setter or init), named by the alias or the naming convention, less the ignored ones.
    /// </summary>
    public static IReadOnlyDictionary<string, PropertyInfo> Settings(Type record, INamingConvention naming) =>
        record.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0
                && p.GetCustomAttribute<YamlIgnoreAttribute>() is null)
            .ToDictionary(p => p.GetCustomAttribute<YamlMemberAttribute>()?.Alias ?? naming.Apply(p.Name));

    private static Found? Walk(YamlNode node, Type type, string path, INamingConvention naming)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        switch (Shape(type))
        {
            case Kind.Record when node is YamlMappingNode mapping:
                var properties = Settings(type, naming);
                foreach (var (keyNode, value) in mapping.Children)
                {
                    // a non-scalar key cannot name a setting; the deserializer reports it in its own words
                    if (keyNode is not YamlScalarNode { Value: { } key }) continue;
                    if (!properties.TryGetValue(key, out var property))
                        return new Found(key, keyNode.Start, path, type, Closest(key, properties.Keys));
                    if (Walk(value, property.PropertyType, path.Length == 0 ? key : $"{path}.{key}", naming) is { } inner) return inner;
                }
                return null;
            case Kind.List when node is YamlSequenceNode sequence:
                var item = ItemType(type)!;
                for (int i = 0; i < sequence.Children.Count; i++)
                    if (Walk(sequence.Children[i], item, $"{path}[{i}]", naming) is { } inner) return inner;
                return null;
            default:
                // scalars, dictionaries (free keys) and a node of the wrong shape: a wrong shape is the deserializer's to report
                return null;
        }
    }

    private enum Kind { Scalar, Dictionary, List, Record }

    private static Kind Shape(Type type)
    {
        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(object))
            return Kind.Scalar;
        if (typeof(IDictionary).IsAssignableFrom(type)
            || type.GetInterfaces().Append(type).Any(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>)))
        {
            return Kind.Dictionary;
        }
        if (ItemType(type) is not null) return Kind.List;
        // an interface or abstract type is resolved by tags or converters the walk does not know: left to the deserializer
        return type.IsInterface || type.IsAbstract ? Kind.Scalar : Kind.Record;
    }

    private static Type? ItemType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];

    /// <summary>
    /// The valid key nearest to <paramref name="key"/> by edit distance with transpositions (a swapped pair of letters,
    /// the most common typo, counts once), when it is close enough to be the likely intent: at most a third of the key's
    /// length, and at least 1. Ties go to the first declared.
    /// </summary>
    public static string? Closest(string key, IEnumerable<string> candidates)
    {
        int limit = Math.Max(1, key.Length / 3);
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (var c in candidates)
        {
            int d = Distance(key, c);
            if (d < bestDistance) (best, bestDistance) = (c, d);
        }
        return bestDistance <= limit ? best : null;
    }

    /// <summary>Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (int i = 0; i <= a.Length; i++) d[i, 0] = i;
        for (int j = 0; j <= b.Length; j++) d[0, j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            for (int j = 1; j <= b.Length; j++)
            {
                int cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
            }
        }
        return d[a.Length, b.Length];
    }
}
