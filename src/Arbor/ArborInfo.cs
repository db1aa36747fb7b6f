namespace Arbor;

/// <summary>Arbor's version, as shown by `arbor --version` and written into model cards.</summary>
public static class ArborInfo
{
    public const string Version = "0.1.0";
}
