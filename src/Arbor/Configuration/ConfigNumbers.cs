using System.Collections;
using System.Reflection;
using YamlDotNet.Serialization.NamingConventions;

namespace Arbor.Configuration;

/// <summary>
/// The check no config record has to remember: every floating-point setting, at any depth, is a finite number.
/// YAML reads <c>.nan</c> and <c>.inf</c> as valid doubles, and a NaN learning rate or clip range otherwise passes
/// every range check (all comparisons with NaN are false) and fails much later, inside native code.
/// </summary>
public static class ConfigNumbers
{
    /// <summary>One message per non-finite number in <paramref name="config"/>, named by its YAML key path.</summary>
    public static IEnumerable<string> NonFinite(object config) => Walk(config, "", depth: 0);

    private static IEnumerable<string> Walk(object node, string path, int depth)
    {
        if (depth > 8) yield break;
        foreach (var p in node.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (p.GetIndexParameters().Length > 0 || !p.CanRead || !p.CanWrite) continue;   // settable = a config key
            var key = (path.Length > 0 ? path + "." : "") + UnderscoredNamingConvention.Instance.Apply(p.Name);
            var value = p.GetValue(node);
            switch (value)
            {
                case double d when !double.IsFinite(d):
                    yield return $"{key} must be a finite number (got {d})";
                    break;
                case float f when !float.IsFinite(f):
                    yield return $"{key} must be a finite number (got {f})";
                    break;
                case IEnumerable<double> list:
                    int i = 0;
                    foreach (var x in list)
                    {
                        if (!double.IsFinite(x)) yield return $"{key}[{i}] must be a finite number (got {x})";
                        i++;
                    }
                    break;
                case string or IEnumerable or null:
                    break;
                case var record when record.GetType().Namespace?.StartsWith("Arbor", StringComparison.Ordinal) == true
                    && record.GetType().IsClass:
                    foreach (var m in Walk(record, key, depth + 1)) yield return m;
                    break;
            }
        }
    }
}
