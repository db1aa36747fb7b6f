namespace Arbor.Tensors.Serialization;

/// <summary>
/// A safetensors file that breaks the format. The message always names the file and, when the problem is
/// in one tensor's header entry, that tensor's key, so a bad checkpoint can be found without a debugger.
/// </summary>
public sealed class SafetensorsFormatException : FormatException
{
    /// <summary>Full path of the offending file.</summary>
    public string FilePath { get; }

    /// <summary>The header key at fault (a tensor name or "__metadata__"), or null for a file-level problem.</summary>
    public string? TensorName { get; }

    /// <summary>The problem alone, without the file and key prefix.</summary>
    public string Problem { get; }

    public SafetensorsFormatException(string filePath, string? tensorName, string problem, Exception? inner = null)
        : base(Compose(filePath, tensorName, problem), inner)
    {
        FilePath = filePath;
        TensorName = tensorName;
        Problem = problem;
    }

    private static string Compose(string filePath, string? tensorName, string problem) =>
        tensorName is null
            ? $"invalid safetensors file '{filePath}': {problem}"
            : $"invalid safetensors file '{filePath}', tensor '{tensorName}': {problem}";
}
