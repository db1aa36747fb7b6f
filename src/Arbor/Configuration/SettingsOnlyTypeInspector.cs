using YamlDotNet.Serialization;
using YamlDotNet.Serialization.TypeInspectors;

namespace Arbor.Configuration;

/// <summary>
/// What the config serializer writes: the properties a config file may set (public setter or init), never a computed
/// one (<c>ForwardProcessConfig.TrainedStepCount</c>, <c>LeavesPerTree</c>). A run writes its whole config as
/// config.yaml and a user loads it back with `arbor train --config`; the loader refuses keys that are not settings
/// (<see cref="UnknownKeys"/>), so anything else written would make a run's own config unloadable.
/// </summary>
internal sealed class SettingsOnlyTypeInspector(ITypeInspector inner) : TypeInspectorSkeleton
{
    public override IEnumerable<IPropertyDescriptor> GetProperties(Type type, object? container) =>
        inner.GetProperties(type, container).Where(p => p.CanWrite);

    public override string GetEnumName(Type enumType, string name) => inner.GetEnumName(enumType, name);

    public override string GetEnumValue(object enumValue) => inner.GetEnumValue(enumValue);

    public override bool HasParseMethod(Type type) => inner.HasParseMethod(type);

    public override object? Parse(string value, Type type) => inner.Parse(value, type);
}
