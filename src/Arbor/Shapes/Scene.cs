namespace Arbor.Shapes;

/// <summary>
/// What an image shows, as the sampler decided it: a square canvas of <see cref="CanvasSize"/> pixels and
/// non-overlapping objects. The renderer draws it; the verifier never sees it (it reads pixels only).
/// </summary>
public sealed record Scene(int CanvasSize, IReadOnlyList<SceneObject> Objects)
{
    public override string ToString() =>
        $"{CanvasSize}x{CanvasSize} scene, {Objects.Count} object(s): " + string.Join("; ", Objects);
}
