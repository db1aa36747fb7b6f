using Arbor.Imaging;

namespace Arbor.Shapes;

/// <summary>One evaluated prompt: what was asked, the image, and the verifier's verdict.</summary>
public sealed record EvaluatedSample(string Prompt, TaskFamily Family, int Index, Image8 Image, VerificationResult Result);
