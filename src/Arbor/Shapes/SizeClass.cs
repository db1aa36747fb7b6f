namespace Arbor.Shapes;

/// <summary>
/// The two sizes a caption can state. Small is about 1/5 of the canvas side and large about 2/5
/// (<see cref="SceneLayout"/>), a factor of two apart so that jitter never makes them ambiguous.
/// </summary>
public enum SizeClass
{
    Small,
    Large,
}
