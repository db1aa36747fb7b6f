namespace Arbor.Tensors.Serialization;

/// <summary>
/// The safetensors dtype codes ("F32", "BF16", ...) and their <see cref="DType"/> equivalents. Codes the format
/// defines but libtorch-through-Arbor cannot hold are told apart from misspellings, so a reader can say
/// "valid file, unsupported dtype" instead of "corrupt file".
/// </summary>
internal static class SafetensorsDTypes
{
    /// <summary>Every code Arbor reads and writes, in the order error messages list them.</summary>
    internal const string SupportedList = "F32, F16, BF16, F64, I64, I32, U8, BOOL";

    // Codes of the safetensors specification that have no Arbor DType (yet).
    private static readonly HashSet<string> KnownUnsupported = new(StringComparer.Ordinal)
    {
        "I8", "I16", "U16", "U32", "U64", "C64",
        "F8_E5M2", "F8_E4M3", "F8_E8M0", "F6_E2M3", "F6_E3M2", "F4",
    };

    /// <summary>The safetensors code for <paramref name="dtype"/>.</summary>
    internal static string ToCode(DType dtype) =>
        TryGetCode(dtype, out var code) ? code
            : throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "dtype has no safetensors code");

    /// <summary>The safetensors code for <paramref name="dtype"/>, or false for a DType the format cannot hold.</summary>
    internal static bool TryGetCode(DType dtype, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? code)
    {
        code = dtype switch
        {
            DType.Float32 => "F32",
            DType.Float16 => "F16",
            DType.BFloat16 => "BF16",
            DType.Float64 => "F64",
            DType.Int64 => "I64",
            DType.Int32 => "I32",
            DType.UInt8 => "U8",
            DType.Bool => "BOOL",
            _ => null,
        };
        return code is not null;
    }

    /// <summary>Maps a code to its DType; codes are case-sensitive, as in the specification.</summary>
    internal static bool TryParse(string code, out DType dtype)
    {
        switch (code)
        {
            case "F32": dtype = DType.Float32; return true;
            case "F16": dtype = DType.Float16; return true;
            case "BF16": dtype = DType.BFloat16; return true;
            case "F64": dtype = DType.Float64; return true;
            case "I64": dtype = DType.Int64; return true;
            case "I32": dtype = DType.Int32; return true;
            case "U8": dtype = DType.UInt8; return true;
            case "BOOL": dtype = DType.Bool; return true;
            default: dtype = default; return false;
        }
    }

    /// <summary>True for a code the format defines but Arbor cannot load.</summary>
    internal static bool IsKnownButUnsupported(string code) => KnownUnsupported.Contains(code);
}
