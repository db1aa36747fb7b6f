namespace Arbor.Shapes;

/// <summary>
/// What the verifier made of one detected object (<see cref="VerificationResult.ObjectVerdicts"/>): the per-object
/// credit a dense reward reads (<see cref="Rewards.ShapesObjectCredit"/>).
/// </summary>
public enum ObjectVerdict
{
    /// <summary>
    /// It fully matches a clause (shape, and color, size and region where stated) that has at most its count of such objects.
    /// </summary>
    Asked,
    /// <summary>It fully matches a clause that has more such objects than its count: one of them is extra, which one is not said.</summary>
    Surplus,
    /// <summary>
    /// Its shape is no clause's, or it is unrecognized, or it has a clause's shape but not the clause's color, size or region.
    /// </summary>
    Wrong,
}
