namespace Arbor.Shapes;

/// <summary>
/// A spatial relation between the first and the second object of a position prompt ("A to the left of B"),
/// judged from the centers of their bounding boxes in image coordinates (y grows downwards).
/// </summary>
public enum Relation
{
    /// <summary>"to the left of": A is left of B.</summary>
    LeftOf,

    /// <summary>"to the right of": A is right of B.</summary>
    RightOf,

    /// <summary>"above": A is above B.</summary>
    Above,

    /// <summary>"below": A is below B.</summary>
    Below,
}
