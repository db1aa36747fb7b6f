using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Arbor.Configuration;

/// <summary>
/// YAML ↔ typed config records. Keys are snake_case (<c>learning_rate</c> ↔ <c>LearningRate</c>); an
/// unknown key, a value of the wrong type or a missing file is a <see cref="ConfigException"/> that
/// names the file, line and key. Omitted keys keep the record's documented defaults.
/// </summary>
public static partial class ConfigLoader
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    private static readonly ISerializer Serializer = new SerializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .ConfigureDefaultValuesHandling(DefaultValuesHandling.Preserve)
        .Build();

    public static T Load<T>(string path) where T : class, new()
    {
        if (!File.Exists(path)) throw new ConfigException($"config file '{path}' not found");
        return Parse<T>(File.ReadAllText(path), path);
    }

    public static T Parse<T>(string yaml, string source = "<config>") where T : class, new()
    {
        T? result;
        try
        {
            result = Deserializer.Deserialize<T>(yaml);
        }
        catch (YamlException e)
        {
            throw new ConfigException(Describe(e, yaml, source, typeof(T)), e);
        }
        result ??= new T();   // an empty file means "all defaults"
        if (result is IValidatedConfig v)
        {
            var problems = v.Problems().ToList();
            if (problems.Count > 0) throw new ConfigException($"{source}: " + string.Join("; ", problems));
        }
        return result;
    }

    /// <summary>The effective config, every key written out, as saved next to a run.</summary>
    public static string ToYaml<T>(T config) where T : class => Serializer.Serialize(config);

    private static string Describe(YamlException e, string yaml, string source, Type root)
    {
        long line = e.Start.Line;
        var text = yaml.Split('\n').ElementAtOrDefault((int)line - 1)?.Trim() ?? "";
        var where = $"{source} line {line}";
        var missing = MissingProperty().Match(e.Message);
        if (missing.Success)
            return $"{where}: unknown key '{ToSnake(missing.Groups[1].Value)}' (not a setting of {missing.Groups[2].Value.Split('.').Last()})";
        var inner = e.InnerException;
        while (inner?.InnerException is not null && inner is not FormatException and not OverflowException) inner = inner.InnerException;
        var key = text.Contains(':') ? text[..text.IndexOf(':')] : text;
        var value = text.Contains(':') ? text[(text.IndexOf(':') + 1)..].Trim() : "";
        if (inner is FormatException or OverflowException || e.Message.Contains("Exception during deserialization"))
            return $"{where}: invalid value '{value}' for key '{key}'" + (inner is null ? "" : $" ({inner.Message})");
        return $"{where}: {e.Message} (in '{text}', reading {root.Name})";
    }

    private static string ToSnake(string name) => UnderscoredNamingConvention.Instance.Apply(name);

    [GeneratedRegex(@"Property '([^']+)' not found on type '([^']+)'")]
    private static partial Regex MissingProperty();
}

/// <summary>A config record that can list what is wrong with its values, naming each key.</summary>
public interface IValidatedConfig
{
    IEnumerable<string> Problems();
}
