namespace Arbor.Rewards;

/// <summary>The built-in rewards by name (configs and `arbor reward-serve --reward NAME`).</summary>
public static class BuiltInRewards
{
    public static readonly string[] Names = ["shapes", "shapes_strict", "jpeg_compressibility", "jpeg_incompressibility"];

    public static IRewardFunction Create(string name) => name switch
    {
        "shapes" => new ShapesReward(),
        "shapes_strict" => new ShapesReward(strict: true),
        "jpeg_compressibility" => new JpegCompressibilityReward(),
        "jpeg_incompressibility" => new JpegCompressibilityReward(incompressible: true),
        _ => throw new ArgumentException($"unknown reward '{name}': expected one of {string.Join(", ", Names)} (or remote)"),
    };
}
