using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Arbor.Configuration;

/// <summary>
/// YAML ↔ typed config records. Keys are snake_case (<c>learning_rate</c> ↔ <c>LearningRate</c>); an
/// unknown key, a value of the wrong type or a missing file is a <see cref="ConfigException"/> that
/// names the file, line and key. Omitted keys keep the record's documented defaults.
/// <para>
/// A file may start from another one: a top-level <c>extends: ../flow-grpo.yaml</c> (a path relative to the
/// file) takes that file's settings and applies this file's keys over them, mapping by mapping; a scalar or a
/// list replaces the inherited value, and <c>~</c> sets a nullable key back to null. So an ablation states only
/// what it changes. Chains are followed; a cycle or a missing parent is an error naming the files.
/// </para>
/// </summary>
public static partial class ConfigLoader
{
    private static readonly INamingConvention Naming = UnderscoredNamingConvention.Instance;

    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(Naming)
        .Build();

    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(Naming)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.Preserve)
        .WithTypeInspector(inner => new SettingsOnlyTypeInspector(inner))
        .Build();

    public static T Load<T>(string path) where T : class, new()
    {
        if (!File.Exists(path)) throw new ConfigException($"config file '{path}' not found");
        var yaml = File.ReadAllText(path);
        // an empty file would run on every default without a word: a config says at least what it is for
        if (yaml.Split('\n').All(l => l.Trim().Length == 0 || l.TrimStart().StartsWith('#')))
        {
            throw new ConfigException($"config file '{path}' is empty: it must set at least one key (for training, `strategy`), or start " +
                $"from another file with `extends:`");
        }
        if (!ExtendsLine().IsMatch(yaml)) return Parse<T>(yaml, path);

        // The file alone is checked first, so an unknown key or a wrong type is reported at its own line.
        // The extends line is blanked rather than removed to keep the line numbers.
        Deserialize<T>(ExtendsLine().Replace(yaml, ""), path);
        return Parse<T>(Save(Resolve(path, yaml, [])), $"{path} (with the files it extends)");
    }

    /// <summary>The mapping of <paramref name="path"/> (whose text is
    /// <paramref name="yaml"/>) with every file it extends merged under it.</summary>
    private static YamlMappingNode Resolve(string path, string yaml, List<string> chain)
    {
        var full = Path.GetFullPath(path);
        if (chain.Contains(full)) throw new ConfigException($"config '{path}' extends itself: {string.Join(" -> ", chain.Append(full))}");
        chain.Add(full);
        var root = LoadMapping(yaml, path);
        var extendsKey = new YamlScalarNode("extends");
        if (!root.Children.TryGetValue(extendsKey, out var parentNode)) return root;
        if (parentNode is not YamlScalarNode { Value: { Length: > 0 } parentPath })
            throw new ConfigException($"{path}: 'extends' must be the path of another config file");
        root.Children.Remove(extendsKey);
        var parentFile = Path.Combine(Path.GetDirectoryName(full)!, parentPath);
        if (!File.Exists(parentFile)) throw new ConfigException($"config file '{parentFile}' not found (extended by '{full}')");
        var merged = Resolve(parentFile, File.ReadAllText(parentFile), chain);
        MergeInto(merged, root);
        return merged;
    }

    private static YamlMappingNode LoadMapping(string yaml, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(yaml));
        }
        catch (YamlException e)
        {
            throw new ConfigException($"{source} line {e.Start.Line}: {e.Message}", e);
        }
        if (stream.Documents.Count == 0) return new YamlMappingNode();
        return stream.Documents[0].RootNode as YamlMappingNode
               ?? throw new ConfigException($"{source}: a config file must be a mapping of keys to values");
    }

    /// <summary>Applies <paramref name="over"/> to <paramref name="target"/>: mappings merge key by key, anything else replaces.</summary>
    private static void MergeInto(YamlMappingNode target, YamlMappingNode over)
    {
        foreach (var (key, value) in over.Children)
        {
            if (value is YamlMappingNode child && target.Children.TryGetValue(key, out var existing)
                && existing is YamlMappingNode inherited)
            {
                MergeInto(inherited, child);
            }
            else
            {
                target.Children[key] = value;
            }
        }
    }

    private static string Save(YamlMappingNode root)
    {
        var writer = new StringWriter();
        new YamlStream(new YamlDocument(root)).Save(writer, assignAnchors: false);
        return writer.ToString();
    }

    public static T Parse<T>(string yaml, string source = "<config>") where T : class, new()
    {
        if (ExtendsLine().IsMatch(yaml))
            throw new ConfigException($"{source}: 'extends' needs a file to resolve against; load the config with ConfigLoader.Load");
        var result = Deserialize<T>(yaml, source);
        var problems = ConfigNumbers.NonFinite(result).ToList();
        if (result is IValidatedConfig v) problems.AddRange(v.Problems());
        if (problems.Count > 0) throw new ConfigException($"{source}: " + string.Join("; ", problems.Distinct()));
        return result;
    }

    private static T Deserialize<T>(string yaml, string source) where T : class, new()
    {
        try
        {
            // An unknown key is found on the node tree, against the record's settings, before the deserializer runs:
            // the error then names the key, its line and its section from the structure, not from an exception's text.
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            if (stream.Documents.Count > 0 && UnknownKeys.First(stream.Documents[0].RootNode, typeof(T), Naming) is { } unknown)
                throw new ConfigException($"{source} line {unknown.Start.Line}: {unknown.Describe()}");
            return Deserializer.Deserialize<T>(yaml) ?? new T();   // an empty file means "all defaults"
        }
        catch (YamlException e)
        {
            throw new ConfigException(Describe(e, yaml, source, typeof(T)), e);
        }
    }

    /// <summary>The effective config, every key written out, as saved next to a run.</summary>
    public static string ToYaml<T>(T config) where T : class => Serializer.Serialize(config);

    private static string Describe(YamlException e, string yaml, string source, Type root)
    {
        long line = e.Start.Line;
        var text = yaml.Split('\n').ElementAtOrDefault((int)line - 1)?.Trim() ?? "";
        var where = $"{source} line {line}";
        var inner = e.InnerException;
        while (inner?.InnerException is not null && inner is not FormatException and not OverflowException) inner = inner.InnerException;
        var key = text.Contains(':') ? text[..text.IndexOf(':')] : text;
        var value = text.Contains(':') ? text[(text.IndexOf(':') + 1)..].Trim() : "";
        if (inner is FormatException or OverflowException || e.Message.Contains("Exception during deserialization"))
            return $"{where}: invalid value '{value}' for key '{key}'" + (inner is null ? "" : $" ({inner.Message})");
        return $"{where}: {e.Message} (in '{text}', reading {root.Name})";
    }

    [GeneratedRegex(@"^extends:.*$", RegexOptions.Multiline)]
    private static partial Regex ExtendsLine();
}

/// <summary>A config record that can list what is wrong with its values, naming each key.</summary>
public interface IValidatedConfig
{
    IEnumerable<string> Problems();
}
